import type { KeyPair, Suite } from "../../src/crypto/suite.js";
import type { DemoParty } from "../../src/ops/demo-genesis.js";
import { addressOfKey, transferOp } from "../../src/sdk/index.js";
import type { Workload } from "./run.js";
import type { LoadSigner } from "./signer.js";
import type { QueuedTx, Submitter } from "./submitter.js";

// Enough senders that none runs past the nonce window (256) at any rate this machine reaches.
const SENDERS = 128;

export function transferParties(): DemoParty[] {
  return Array.from({ length: SENDERS }, (_, i) => ({
    name: `payer-${i}`,
    role: "buyer",
    balanceFen: 10n ** 12n,
  }));
}

/**
 * 1-fen transfers round-robin over many senders, the workload other chains publish figures for.
 * They are signed before the run (`prepare`), so the generator does not compete with the nodes
 * for the cores while it measures.
 */
export class TransferWorkload implements Workload {
  readonly name = "transfer";
  private readonly signed: QueuedTx[] = [];
  private next = 0;

  constructor(
    private readonly submitter: Submitter,
    private readonly signer: LoadSigner,
    private readonly suite: Suite,
    private readonly keys: ReadonlyMap<string, KeyPair>,
  ) {}

  prepare(count: number): void {
    const senders = Array.from({ length: SENDERS }, (_, i) => this.keys.get(`payer-${i}`) as KeyPair);
    const to = addressOfKey(this.suite, (senders[0] as KeyPair).publicKey.bytes);
    for (let i = 0; i < count; i++)
      this.signed.push(this.signer.sign(senders[i % SENDERS] as KeyPair, transferOp(to, 1n)));
  }

  /** Transfers signed but not yet offered are dropped (their nonces are signed again, see LoadSigner.resync). */
  retire(): void {
    this.signed.length = this.next;
  }

  arrive(txs: number): void {
    for (let i = 0; i < txs && this.next < this.signed.length; i++)
      this.submitter.enqueue(this.signed[this.next++] as QueuedTx);
  }
}
