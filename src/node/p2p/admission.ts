/**
 * Quotas for inbound sockets that have not yet proved who they are (TCP, TLS, Hello). Anyone who
 * can reach the port can open them, so they are held to a few per source address and a small
 * total, and the addresses our peers come from have a quota of their own that anonymous sockets
 * cannot use up: a flood of silent connections cannot keep a configured peer out.
 */
export interface AdmissionLimits {
  /** Unauthenticated sockets from one address that is no peer's (default 4). */
  maxPerAddress: number;
  /** Unauthenticated sockets from all addresses that are no peer's (default 32). */
  maxAnonymous: number;
}

export type AdmissionRefusal = "address-full" | "anonymous-full";

/** A slot held by one unauthenticated socket; released once, when it authenticates or closes. */
export interface AdmissionSlot {
  release(): void;
}

export class InboundAdmission {
  private readonly perAddress = new Map<string, number>();
  /** Source addresses our peers were configured at or answered from, with how many peers. */
  private readonly peerAddresses = new Map<string, Set<string>>();
  private anonymous = 0;

  constructor(private readonly limits: AdmissionLimits) {}

  /** Remembers that peer `peerId` is reachable at `address`: that address gets a larger quota. */
  notePeerAddress(address: string, peerId: string): void {
    const ip = normalise(address);
    const ids = this.peerAddresses.get(ip) ?? new Set<string>();
    ids.add(peerId);
    this.peerAddresses.set(ip, ids);
  }

  /** Takes a slot for a new socket from `address`, or says which quota is full. */
  admit(address: string): AdmissionSlot | AdmissionRefusal {
    const ip = normalise(address);
    const held = this.perAddress.get(ip) ?? 0;
    const peers = this.peerAddresses.get(ip)?.size ?? 0;
    // Each peer at that address may have a dialled link and a duplicate in flight at once.
    if (held >= this.limits.maxPerAddress + 2 * peers) return "address-full";
    const anonymous = peers === 0;
    if (anonymous && this.anonymous >= this.limits.maxAnonymous) return "anonymous-full";
    if (anonymous) this.anonymous++;
    this.perAddress.set(ip, held + 1);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        if (anonymous) this.anonymous--;
        const now = this.perAddress.get(ip) ?? 1;
        if (now <= 1) this.perAddress.delete(ip);
        else this.perAddress.set(ip, now - 1);
      },
    };
  }

  get unauthenticated(): number {
    let n = 0;
    for (const held of this.perAddress.values()) n += held;
    return n;
  }
}

/** An IPv4 client on a dual-stack listener shows as ::ffff:a.b.c.d; one address, one quota. */
function normalise(address: string): string {
  return address.startsWith("::ffff:") ? address.slice(7) : address;
}
