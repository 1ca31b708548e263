import { Tag } from "antd";

/** An order status as a coloured, translated tag. */
export function statusTag(t: (k: string) => string, status: string) {
  const color =
    {
      created: "default",
      paid: "blue",
      shipped: "cyan",
      delivered: "geekblue",
      completed: "green",
      cancelled: "default",
      refunded: "red",
    }[status] ?? "default";
  return <Tag color={color}>{t(`orderStatus.${status}`)}</Tag>;
}
