import { Tag } from "antd";

const COLORS: Record<string, string> = {
  created: "default",
  paid: "blue",
  shipped: "cyan",
  delivered: "geekblue",
  completed: "green",
  cancelled: "default",
  refunded: "red",
  requested: "gold",
  rejected: "red",
};

/** A status as a coloured, translated tag: an order's by default, or of another group (withdrawalStatus). */
export function statusTag(t: (k: string) => string, status: string, group = "orderStatus") {
  const color = group === "withdrawalStatus" && status === "paid" ? "green" : (COLORS[status] ?? "default");
  return <Tag color={color}>{t(`${group}.${status}`)}</Tag>;
}
