import { LedgerError } from "../../errors.js";

/** Bad monitor input (a rules file, a node URL, a notification setting): what was wrong, where. */
export class MonitorError extends LedgerError {}
