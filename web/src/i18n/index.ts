import i18next from "i18next";
import { initReactI18next } from "react-i18next";
import { en } from "./en.js";
import { zhCN } from "./zh-CN.js";

export const LANGUAGES = ["zh-CN", "en"] as const;
export type Language = (typeof LANGUAGES)[number];
const STORAGE_KEY = "mkl.lang";

/** zh-CN is the default; the choice is remembered in this browser. */
export function initI18n(): void {
  const saved = localStorage.getItem(STORAGE_KEY);
  const lng: Language = saved === "en" ? "en" : "zh-CN";
  void i18next.use(initReactI18next).init({
    lng,
    fallbackLng: "zh-CN",
    resources: { "zh-CN": { translation: zhCN }, en: { translation: en } },
    interpolation: { escapeValue: false },
  });
  document.documentElement.lang = lng;
}

export function setLanguage(lng: Language): void {
  localStorage.setItem(STORAGE_KEY, lng);
  document.documentElement.lang = lng;
  void i18next.changeLanguage(lng);
}
