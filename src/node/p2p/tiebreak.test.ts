import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { LinkRole } from "./hello.js";
import { replacesCurrent } from "./tiebreak.js";

const flip = (r: LinkRole): LinkRole => (r === "dialler" ? "acceptor" : "dialler");
const inc = (n: number) => Uint8Array.of(n);

describe("replacesCurrent", () => {
  it("keeps the link the lower id dialled", () => {
    const sameInc = inc(1);
    // Seen from "aa" (lower): the current link was dialled by "bb", the candidate by us.
    expect(
      replacesCurrent(
        "aa",
        "bb",
        { role: "acceptor", peerIncarnation: sameInc },
        { role: "dialler", peerIncarnation: sameInc },
      ),
    ).toBe(true);
    expect(
      replacesCurrent(
        "aa",
        "bb",
        { role: "dialler", peerIncarnation: sameInc },
        { role: "acceptor", peerIncarnation: sameInc },
      ),
    ).toBe(false);
  });

  it("takes a link from a new incarnation of the peer", () => {
    expect(
      replacesCurrent(
        "aa",
        "bb",
        { role: "dialler", peerIncarnation: inc(1) },
        { role: "acceptor", peerIncarnation: inc(2) },
      ),
    ).toBe(true);
  });

  it("gives both ends the same surviving link", () => {
    // Two links between x and y; each end sees the same two links with roles flipped and
    // the other end's incarnation. Without a restart, both ends must keep the same link.
    fc.assert(
      fc.property(fc.boolean(), fc.boolean(), (firstDialledByX, secondDialledByX) => {
        const x = "0401";
        const y = "0402";
        const roleAtX = (byX: boolean): LinkRole => (byX ? "dialler" : "acceptor");
        const ix = inc(1);
        const iy = inc(2);
        const keepSecondAtX = replacesCurrent(
          x,
          y,
          { role: roleAtX(firstDialledByX), peerIncarnation: iy },
          { role: roleAtX(secondDialledByX), peerIncarnation: iy },
        );
        // y may see the links authenticate in either order.
        for (const yOrderSwapped of [false, true]) {
          const [cur, cand] = yOrderSwapped
            ? [secondDialledByX, firstDialledByX]
            : [firstDialledByX, secondDialledByX];
          const replaceAtY = replacesCurrent(
            y,
            x,
            { role: flip(roleAtX(cur)), peerIncarnation: ix },
            { role: flip(roleAtX(cand)), peerIncarnation: ix },
          );
          const keptAtY = replaceAtY ? cand : cur;
          const keptAtX = keepSecondAtX ? secondDialledByX : firstDialledByX;
          if (firstDialledByX !== secondDialledByX) expect(keptAtY).toBe(keptAtX);
        }
      }),
    );
  });
});
