import { LedgerError } from "../../errors.js";

/** Bad input to network generation (a topology, a manifest, a network directory): nothing is written. */
export class NetworkError extends LedgerError {}
