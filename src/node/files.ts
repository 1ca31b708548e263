import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { LedgerError } from "../errors.js";

/** Reading and writing the files of node homes, networks and keys, with one-line errors. */
export class FileError extends LedgerError {}

export function readTextFile(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    throw new FileError("FILE_UNREADABLE", `cannot read ${path}: ${(error as Error).message}`, { path });
  }
}

export function readJsonFile(path: string): unknown {
  const text = readTextFile(path);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new FileError("FILE_NOT_JSON", `${path} is not valid JSON: ${(error as Error).message}`, { path });
  }
}

/** A secret (a private key) readable by its owner only; chmod too, as mode is ignored for existing files. */
export function writeSecretFile(path: string, contents: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, contents, { mode: 0o600 });
  chmodSync(path, 0o600);
}

export function writePublicFile(path: string, contents: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, contents);
}

export function writeJsonFile(path: string, value: unknown): void {
  writePublicFile(path, `${JSON.stringify(value, null, 2)}\n`);
}
