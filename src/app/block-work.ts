/**
 * A block's work, counted in work units (about a microsecond of one core of the reference
 * machine each, executing, updating the state tree and committing), so that no block takes a
 * validator much more than BLOCK_WORK_LIMIT to apply whatever it carries: a block of 2,000
 * confirmed receipts, each completing and settling up to 16 orders, once took seconds.
 *
 * The rule (a protocol number's): each transaction starts only while the work of the block's
 * earlier transactions is below TX_WORK_LIMIT, and the end-block hook completes due orders
 * (and settles waiting commissions) only while the block's work is below BLOCK_WORK_LIMIT. The
 * gap between the two is the hook's reserve: after the heaviest last transaction it still
 * completes scores of orders, so a completion storm always drains. A proposer fills its block
 * up to the first rule; every validator checks it, as it checks nonces. The weights (here and
 * tx-work.ts) are a table of the protocol, not a measurement made while executing: they depend
 * on the transaction and at most the basket it names, never on how the code happens to read
 * state, so making an operation cheaper changes no block's validity. They are upper estimates
 * from the execution bench's figures (README, Benchmarks).
 */
export const BLOCK_WORK_LIMIT = 600_000;
/** Transactions start only while the block's work is below this; the rest is the end-block hook's. */
export const TX_WORK_LIMIT = 400_000;

/** One due order completed by the end-block hook, with its commission computed and settled. */
export const COMPLETION_WORK = 1_600;
/** A due-queue entry popped for an order that completed earlier (its buyer confirmed receipt). */
export const SKIPPED_DUE_WORK = 20;
/** One waiting commission settled by the end-block hook's drain. */
export const SETTLEMENT_WORK = 400;

/** The work units a block has done so far: its transactions', then its end-block hook's. */
export interface BlockWork {
  txs: number;
  endBlock: number;
}

export const blockWorkTotal = (work: BlockWork): number => work.txs + work.endBlock;
