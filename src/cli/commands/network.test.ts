import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect, createServer } from "node:tls";
import { CertificationRequest } from "@peculiar/asn1-csr";
import { AsnConvert } from "@peculiar/asn1-schema";
import { afterAll, describe, expect, it } from "vitest";
import { admitTx, authorizeTx, txCodecs } from "../../app/executor.js";
import { parseGenesis, writeGenesisState } from "../../app/genesis.js";
import { lookupIdentity } from "../../app/identity/registry.js";
import type { Operation } from "../../app/operations/index.js";
import { StateOverlay } from "../../app/state.js";
import { getSuite } from "../../crypto/index.js";
import { toHex } from "../../ledger/bytes.js";
import { decodeSignedTx, encodeSignedTx, signTx, verifyTxSignature } from "../../ledger/tx.js";
import { Chain } from "../../node/chain.js";
import { nodeConfigSchema, parseWith } from "../../node/config.js";
import { allFromPem, decodeUserCode, parseCertificate, toPem } from "../../pki/index.js";
import { ChainStore } from "../../storage/chain-store.js";
import { runCliCaptured as mkl } from "../run.test-util.js";

const base = mkdtempSync(join(tmpdir(), "mkl-network-"));
afterAll(() => rmSync(base, { recursive: true, force: true }));

function openssl(args: string[]): { ok: boolean; output: string } {
  const run = spawnSync("openssl", args, { encoding: "utf8" });
  return { ok: run.status === 0, output: `${run.stdout ?? ""}${run.stderr ?? ""}` };
}

/**
 * openssl verify of the first certificate of `leafFile` against a chain ending at `rootFile`.
 * OpenSSL 3.0 applies -vfyopt distid to the leaf only, so on sm each link is checked alone with
 * -partial_chain (every signature is still checked once, and the root's self-signature too).
 */
function verifyChain(
  sm: boolean,
  dir: string,
  leafFile: string,
  intermediates: string[],
  rootFile: string,
): void {
  const chainDir = mkdtempSync(join(dir, "chain-"));
  const links = [leafFile, ...intermediates, rootFile].map((f, i) => {
    const path = join(chainDir, `link-${i}.pem`);
    writeFileSync(path, toPem("CERTIFICATE", allFromPem(readFileSync(f, "utf8"), "CERTIFICATE")[0]!));
    return path;
  });
  if (!sm) {
    const args = ["verify", "-x509_strict", "-CAfile", links.at(-1)!];
    for (const u of links.slice(1, -1)) args.push("-untrusted", u);
    const run = openssl([...args, links[0]!]);
    expect(run.output, leafFile).toContain(": OK");
    return;
  }
  for (let i = 0; i < links.length; i++) {
    const issuer = links[i + 1] ?? links[i]!;
    const partial = i + 1 < links.length ? ["-partial_chain"] : [];
    const run = openssl([
      "verify",
      "-vfyopt",
      "distid:1234567812345678",
      "-x509_strict",
      ...partial,
      "-CAfile",
      issuer,
      links[i]!,
    ]);
    expect(run.output, `${leafFile} link ${i}`).toContain(": OK");
  }
}

describe.each(["sm", "ecdsa-p256"] as const)("mkl network init --suite %s", (suite) => {
  const out = join(base, `net-${suite}`);
  const sm = suite === "sm";

  it("writes a CA hierarchy, nodes and a genesis every node accepts; openssl verifies every certificate", async () => {
    const run = await mkl(
      "network",
      "init",
      "--orgs",
      "4",
      "--suite",
      suite,
      "--out",
      out,
      "--chain-id",
      `test-${suite}`,
    );
    expect(run.error).toBeUndefined();
    expect(run.out).toContain("[4/4] org4");
    const genesis = parseGenesis(JSON.parse(readFileSync(join(out, "genesis.json"), "utf8")));
    expect(genesis.validators).toHaveLength(4);
    expect(genesis.organisations.map((o) => o.id)).toEqual(["org1", "org2", "org3", "org4"]);
    const state = new StateOverlay({ get: () => undefined });
    writeGenesisState(state, genesis);

    const root = join(out, "ca", "root.cert.pem");
    const tlsRoot = sm ? join(out, "ca", "tls-root.cert.pem") : root;
    for (let n = 1; n <= 4; n++) {
      const org = join(out, "orgs", `org${n}`);
      const node = join(out, `node${n}`);
      verifyChain(sm, base, join(org, "ca.cert.pem"), [], root);
      verifyChain(sm, base, join(node, "node.cert.pem"), [join(org, "ca.cert.pem")], root);
      verifyChain(sm, base, join(org, "admin.cert.pem"), [join(org, "ca.cert.pem")], root);
      // The TLS certificate is always ECDSA P-256 and verifies without an SM2 ID.
      const tlsCa = sm ? join(org, "tls-ca.cert.pem") : join(org, "ca.cert.pem");
      verifyChain(false, base, join(node, "tls.cert.pem"), [tlsCa], tlsRoot);
      expect(parseCertificate(readFileSync(join(node, "tls.cert.pem"), "utf8")).publicKey.suite).toBe(
        "ecdsa-p256",
      );
      expect(statSync(join(node, "node.key.pem")).mode & 0o777).toBe(0o600);
      expect(statSync(join(node, "tls.key.pem")).mode & 0o777).toBe(0o600);
      expect(statSync(join(org, "ca.key.pem")).mode & 0o777).toBe(0o600);
      const config = JSON.parse(readFileSync(join(node, "config.json"), "utf8"));
      expect(config).toMatchObject({
        moniker: `node${n}`,
        api: { host: "127.0.0.1", port: 26650 + n },
        p2p: { host: "127.0.0.1", port: 26660 + n },
      });
      expect(config.peers.map((p: { port: number }) => p.port)).toEqual(
        [1, 2, 3, 4].filter((m) => m !== n).map((m) => 26660 + m),
      );
      const others = genesis.validators.filter((v) => v.name !== `node${n}`).map((v) => toHex(v.publicKey));
      expect(config.peers.map((p: { id: string }) => p.id)).toEqual(others);
      expect(parseWith(nodeConfigSchema, config, "config.json").peers).toHaveLength(3);
      expect(readFileSync(join(node, "genesis.json"), "utf8")).toBe(
        readFileSync(join(out, "genesis.json"), "utf8"),
      );
      const admin = parseCertificate(readFileSync(join(org, "admin.cert.pem"), "utf8"));
      expect(lookupIdentity(state, admin.subject.commonName)).toMatchObject({
        role: "org-admin",
        organisation: `org${n}`,
      });
      const crl = openssl(["crl", "-in", join(org, "crl.pem"), "-noout", "-text"]);
      expect(crl.output).toContain("No Revoked Certificates");
    }
    const operator = parseCertificate(readFileSync(join(out, "operator", "operator.cert.pem"), "utf8"));
    expect(lookupIdentity(state, operator.subject.commonName)).toMatchObject({ role: "platform-operator" });
    verifyChain(sm, base, root, [], root);
  });

  it("gives nodes TLS certificates for a mutually authenticated TLS 1.3 link", async () => {
    const file = (node: string, name: string) => readFileSync(join(out, node, name));
    const peers = await new Promise<{ server: string; client: string; protocol: string | null }>(
      (done, fail) => {
        const server = createServer(
          {
            key: file("node1", "tls.key.pem"),
            cert: file("node1", "tls.cert.pem"),
            ca: file("node1", "tls-ca.pem"),
            requestCert: true,
            rejectUnauthorized: true,
            minVersion: "TLSv1.3",
          },
          (socket) => socket.end(String(socket.getPeerCertificate().subject.CN)),
        );
        server.listen(0, "127.0.0.1", () => {
          const { port } = server.address() as AddressInfo;
          const client = connect({
            host: "127.0.0.1",
            port,
            servername: "node1",
            key: file("node2", "tls.key.pem"),
            cert: file("node2", "tls.cert.pem"),
            ca: file("node2", "tls-ca.pem"),
            minVersion: "TLSv1.3",
          });
          client.on("data", (data) => {
            done({
              server: String(client.getPeerCertificate().subject.CN),
              client: String(data),
              protocol: client.getProtocol(),
            });
            client.end();
            server.close();
          });
          client.on("error", (e: Error) => {
            server.close();
            fail(e);
          });
        });
      },
    );
    expect(peers).toEqual({ server: "node1", client: "node2", protocol: "TLSv1.3" });
  });

  it("refuses to write into a non-empty directory and changes nothing", async () => {
    const before = readdirSync(out).sort();
    const run = await mkl("network", "init", "--orgs", "2", "--suite", suite, "--out", out);
    expect(run.error?.message).toMatch(/not empty/);
    expect(readdirSync(out).sort()).toEqual(before);
    const bad = await mkl("network", "init", "--orgs", "0", "--suite", suite, "--out", join(base, "never"));
    expect(bad.error?.message).toMatch(/--orgs/);
    expect(existsSync(join(base, "never"))).toBe(false);
    const badSuite = await mkl(
      "network",
      "init",
      "--orgs",
      "2",
      "--suite",
      "rsa",
      "--out",
      join(base, "never"),
    );
    expect(badSuite.error?.message).toMatch(/unknown suite/);
  });

  it("issues a user certificate from a CSR, refuses a forged CSR, revokes into a CRL openssl reads", async () => {
    const org = join(out, "orgs", "org2");
    const key = join(base, `${suite}-user.key.pem`);
    const csr = join(base, `${suite}-user.csr.pem`);
    const cert = join(base, `${suite}-user.cert.pem`);
    process.env.MKL_TEST_PASSPHRASE = "correct horse battery staple";
    const keygen = await mkl(
      "cert",
      "keygen",
      "--suite",
      suite,
      "--out",
      key,
      "--passphrase-env",
      "MKL_TEST_PASSPHRASE",
    );
    expect(keygen.error).toBeUndefined();
    expect(readFileSync(key, "utf8")).not.toContain("PRIVATE KEY");
    expect(statSync(key).mode & 0o777).toBe(0o600);
    const code = /user code (mkl1\w+)/.exec(keygen.out)![1]!;
    expect(
      (
        await mkl(
          "cert",
          "csr",
          "--key",
          key,
          "--org",
          "org2",
          "--role",
          "employee-marketer",
          "--out",
          csr,
          "--passphrase-env",
          "MKL_TEST_PASSPHRASE",
        )
      ).error,
    ).toBeUndefined();
    const issued = await mkl(
      "cert",
      "issue",
      "--ca-cert",
      join(org, "ca.cert.pem"),
      "--ca-key",
      join(org, "ca.key.pem"),
      "--csr",
      csr,
      "--out",
      cert,
    );
    expect(issued.error).toBeUndefined();
    expect(issued.out).toContain(`user code ${code}`);
    verifyChain(sm, base, cert, [join(org, "ca.cert.pem")], join(out, "ca", "root.cert.pem"));

    // A CSR whose key did not sign it: the signature of another key's CSR spliced in.
    const other = (
      await mkl("cert", "keygen", "--suite", suite, "--out", join(base, `${suite}-other.key.pem`))
    ).error;
    expect(other).toBeUndefined();
    const otherCsr = join(base, `${suite}-other.csr.pem`);
    await mkl(
      "cert",
      "csr",
      "--key",
      join(base, `${suite}-other.key.pem`),
      "--org",
      "org2",
      "--role",
      "buyer",
      "--out",
      otherCsr,
    );
    const forged = join(base, `${suite}-forged.csr.pem`);
    writeFileSync(forged, spliceSignature(readFileSync(csr, "utf8"), readFileSync(otherCsr, "utf8")));
    const refused = await mkl(
      "cert",
      "issue",
      "--ca-cert",
      join(org, "ca.cert.pem"),
      "--ca-key",
      join(org, "ca.key.pem"),
      "--csr",
      forged,
      "--out",
      join(base, "never.pem"),
    );
    expect(refused.error?.code).toBe("CSR_BAD_SIGNATURE");
    expect(existsSync(join(base, "never.pem"))).toBe(false);

    // Another organisation's CA refuses it.
    const wrongOrg = await mkl(
      "cert",
      "issue",
      "--ca-cert",
      join(out, "orgs", "org1", "ca.cert.pem"),
      "--ca-key",
      join(out, "orgs", "org1", "ca.key.pem"),
      "--csr",
      csr,
      "--out",
      join(base, "never.pem"),
    );
    expect(wrongOrg.error?.message).toMatch(/organisation "org2"/);

    const revoked = await mkl(
      "cert",
      "revoke",
      "--org-dir",
      org,
      "--cert",
      cert,
      "--reason",
      "affiliationChanged",
    );
    expect(revoked.error).toBeUndefined();
    const serial = parseCertificate(readFileSync(cert, "utf8")).serialHex.toUpperCase();
    const text = openssl(["crl", "-in", join(org, "crl.pem"), "-noout", "-text"]);
    expect(text.output).toContain(`Serial Number: ${serial}`);
    if (!sm) {
      expect(
        openssl([
          "crl",
          "-in",
          join(org, "crl.pem"),
          "-CAfile",
          join(org, "ca.cert.pem"),
          "-verify",
          "-noout",
        ]).output,
      ).toContain("verify OK");
      const check = openssl([
        "verify",
        "-crl_check",
        "-CRLfile",
        join(org, "crl.pem"),
        "-CAfile",
        join(out, "ca", "root.cert.pem"),
        "-untrusted",
        join(org, "ca.cert.pem"),
        cert,
      ]);
      expect(check.output).toContain("certificate revoked");
    }
    // A node certificate for a new node of org2, from a CSR made with openssl.
    const nodeKey = join(base, `${suite}-node9.key.pem`);
    expect((await mkl("cert", "keygen", "--suite", suite, "--out", nodeKey)).error).toBeUndefined();
    const nodeCsr = join(base, `${suite}-node9.csr.pem`);
    const reqArgs = [
      "req",
      "-new",
      "-key",
      nodeKey,
      "-subj",
      "/O=org2/OU=node-operator/CN=node9",
      "-out",
      nodeCsr,
    ];
    expect(
      openssl(sm ? [...reqArgs, "-sm3", "-sigopt", "distid:1234567812345678"] : [...reqArgs, "-sha256"]).ok,
    ).toBe(true);
    const nodeCert = join(base, `${suite}-node9.cert.pem`);
    const caArgs = ["--ca-cert", join(org, "ca.cert.pem"), "--ca-key", join(org, "ca.key.pem")];
    const node = await mkl(
      "cert",
      "issue",
      ...caArgs,
      "--csr",
      nodeCsr,
      "--out",
      nodeCert,
      "--node",
      "--dns",
      "node9.example",
    );
    expect(node.error).toBeUndefined();
    verifyChain(sm, base, nodeCert, [join(org, "ca.cert.pem")], join(out, "ca", "root.cert.pem"));
    expect(openssl(["x509", "-in", nodeCert, "-noout", "-ext", "subjectAltName"]).output).toContain(
      "DNS:node9.example",
    );
    const notNode = await mkl(
      "cert",
      "issue",
      ...caArgs,
      "--csr",
      csr,
      "--out",
      join(base, "never.pem"),
      "--node",
    );
    expect(notNode.error?.message).toMatch(/OU=node-operator/);

    const again = await mkl("cert", "revoke", "--org-dir", org, "--cert", cert);
    expect(again.error?.message).toMatch(/already revoked/);
  });

  it("adds an organisation to genesis before launch, and shows identities by code", async () => {
    const run = await mkl(
      "network",
      "add-org",
      "--dir",
      out,
      "--id",
      "acme",
      "--name",
      "Acme Ltd",
      "--genesis",
    );
    expect(run.error).toBeUndefined();
    const genesis = parseGenesis(JSON.parse(readFileSync(join(out, "node3", "genesis.json"), "utf8")));
    expect(genesis.organisations.map((o) => o.id)).toContain("acme");
    const dup = await mkl("network", "add-org", "--dir", out, "--id", "acme", "--name", "Again");
    expect(dup.error?.message).toMatch(/already exists/);

    const admin = parseCertificate(readFileSync(join(out, "orgs", "acme", "admin.cert.pem"), "utf8"));
    const shown = await mkl("id", "show", admin.subject.commonName, "--genesis", join(out, "genesis.json"));
    expect(shown.error).toBeUndefined();
    expect(shown.out).toContain("role org-admin");
    expect(shown.out).toContain("organisation acme");
    expect(shown.out).toContain("status active");
    const code = admin.subject.commonName;
    const typo = code.slice(0, 8) + (code[8] === "q" ? "p" : "q") + code.slice(9);
    expect((await mkl("id", "show", typo)).error?.code).toBe("USER_CODE_INVALID");
    writeFileSync(join(base, "not-genesis.json"), "{ nope");
    expect(
      (await mkl("id", "show", code, "--genesis", join(base, "not-genesis.json"))).error?.message,
    ).toMatch(/not valid JSON/);
    writeFileSync(join(base, "not-genesis.json"), "{}");
    expect((await mkl("id", "show", code, "--genesis", join(base, "not-genesis.json"))).error?.code).toBe(
      "CONFIG_INVALID",
    );
  });
});

/** `target` CSR claiming the key of `donor` CSR: signed by a key other than the one it names. */
function spliceSignature(targetPem: string, donorPem: string): string {
  const target = AsnConvert.parse(allFromPem(targetPem, "CERTIFICATE REQUEST")[0]!, CertificationRequest);
  const donor = AsnConvert.parse(allFromPem(donorPem, "CERTIFICATE REQUEST")[0]!, CertificationRequest);
  target.certificationRequestInfo.subjectPKInfo = donor.certificationRequestInfo.subjectPKInfo;
  delete target.certificationRequestInfoRaw;
  return toPem("CERTIFICATE REQUEST", new Uint8Array(AsnConvert.serialize(target)));
}

describe("mkl network with encrypted keys", () => {
  const out = join(base, "net-encrypted");

  it("encrypts CA and admin keys; add-org with a wrong passphrase changes nothing", async () => {
    process.env.MKL_NET_PASS = "network passphrase";
    process.env.MKL_WRONG_PASS = "not it";
    const init = await mkl(
      "network",
      "init",
      "--orgs",
      "1",
      "--suite",
      "ecdsa-p256",
      "--out",
      out,
      "--passphrase-env",
      "MKL_NET_PASS",
    );
    expect(init.error).toBeUndefined();
    for (const key of [
      "ca/root.key.pem",
      "orgs/org1/ca.key.pem",
      "orgs/org1/admin.key.pem",
      "operator/operator.key.pem",
    ]) {
      const text = readFileSync(join(out, key), "utf8");
      expect(text, key).toContain("mkl-encrypted-key");
      expect(statSync(join(out, key)).mode & 0o777).toBe(0o600);
    }
    expect(readFileSync(join(out, "node1", "node.key.pem"), "utf8")).toContain("BEGIN PRIVATE KEY");

    const before = readdirSync(join(out, "orgs")).sort();
    const wrong = await mkl(
      "network",
      "add-org",
      "--dir",
      out,
      "--id",
      "beta",
      "--name",
      "Beta",
      "--passphrase-env",
      "MKL_WRONG_PASS",
    );
    expect(wrong.error?.code).toBe("KEY_FILE_BAD_PASSPHRASE");
    const none = await mkl("network", "add-org", "--dir", out, "--id", "beta", "--name", "Beta");
    expect(none.error?.code).toBe("KEY_FILE_NO_PASSPHRASE");
    expect(readdirSync(join(out, "orgs")).sort()).toEqual(before);

    const added = await mkl(
      "network",
      "add-org",
      "--dir",
      out,
      "--id",
      "beta",
      "--name",
      "Beta",
      "--passphrase-env",
      "MKL_NET_PASS",
    );
    expect(added.error).toBeUndefined();
    // Governance admits it: the printed steps name the proposal and the admin's registration.
    expect(added.out).toContain(
      'mkl gov propose admit-org --org beta --name "Beta" --ca-cert orgs/beta/ca.cert.pem',
    );
    expect(existsSync(join(out, "orgs", "beta", "register-organisation.json"))).toBe(false);
    const op = JSON.parse(readFileSync(join(out, "orgs", "beta", "register-admin.json"), "utf8"));
    expect(op).toMatchObject({ kind: "registerIdentity" });
    expect(readdirSync(join(out, "orgs")).sort()).toEqual(["beta", "org1"]);
    const genesis = JSON.parse(readFileSync(join(out, "genesis.json"), "utf8"));
    expect(genesis.organisations.map((o: { id: string }) => o.id)).toEqual(["org1"]);

    const shown = await mkl("cert", "show", join(out, "orgs", "beta", "admin.cert.pem"));
    expect(shown.out).toContain("O=beta");
    const code = await mkl(
      "id",
      "code",
      "--key",
      join(out, "orgs", "beta", "admin.key.pem"),
      "--passphrase-env",
      "MKL_NET_PASS",
    );
    expect(shown.out).toContain(`CN=${code.out.trim()}`);
  });
});

describe("mkl cert crl --home", () => {
  it("signs a CRL from the revocations the chain recorded", async () => {
    const out = join(base, "net-crl");
    expect(
      (await mkl("network", "init", "--orgs", "1", "--suite", "ecdsa-p256", "--out", out)).error,
    ).toBeUndefined();
    const genesis = parseGenesis(JSON.parse(readFileSync(join(out, "genesis.json"), "utf8")));
    const suite = getSuite("ecdsa-p256");
    const operatorKey = suite.privateKeyFromPem(
      readFileSync(join(out, "operator", "operator.key.pem"), "utf8"),
    );
    const nodeKey = suite.privateKeyFromPem(readFileSync(join(out, "node1", "node.key.pem"), "utf8"));
    const admin = parseCertificate(readFileSync(join(out, "orgs", "org1", "admin.cert.pem"), "utf8"));

    const store = ChainStore.open(join(out, "node1", "data"));
    const chain = Chain.open(store, suite, genesis);
    const tx = signTx(
      suite,
      operatorKey,
      {
        chainId: genesis.chainId,
        sender: suite.publicKeyOf(operatorKey).bytes,
        nonce: 0n,
        expiryHeight: 10n,
        op: {
          kind: "revokeCertificate",
          value: { code: decodeUserCode(admin.subject.commonName), reason: "keyCompromise" },
        },
      },
      txCodecs,
    );
    const time = genesis.genesisTimeMs + 1000n;
    const prepared = chain.prepareBlock(
      [encodeSignedTx(tx, txCodecs)],
      time,
      suite.publicKeyOf(nodeKey).bytes,
    );
    expect(prepared.outcome.results.map((r) => r.code)).toEqual(["OK"]);
    chain.commit(
      prepared,
      chain.signCommit(prepared, [{ privateKey: nodeKey, publicKey: suite.publicKeyOf(nodeKey) }], time),
    );
    await store.close();

    const run = await mkl(
      "cert",
      "crl",
      "--org-dir",
      join(out, "orgs", "org1"),
      "--home",
      join(out, "node1"),
    );
    expect(run.error).toBeUndefined();
    const crl = join(out, "orgs", "org1", "crl.pem");
    expect(
      openssl(["crl", "-in", crl, "-CAfile", join(out, "orgs", "org1", "ca.cert.pem"), "-verify", "-noout"])
        .output,
    ).toContain("verify OK");
    const text = openssl(["crl", "-in", crl, "-noout", "-text"]).output;
    expect(text).toContain(`Serial Number: ${admin.serialHex.toUpperCase()}`);
    expect(text).toContain("Key Compromise");
  });
});

describe("a generated sm network, four nodes in one process", () => {
  it("rejects a revoked user's transaction on every node, with identical results and state", async () => {
    const out = join(base, "net-revoke");
    expect(
      (await mkl("network", "init", "--orgs", "4", "--suite", "sm", "--out", out)).error,
    ).toBeUndefined();
    const suite = getSuite("sm");
    const nodes = [1, 2, 3, 4].map((n) => {
      const home = join(out, `node${n}`);
      const genesis = parseGenesis(JSON.parse(readFileSync(join(home, "genesis.json"), "utf8")));
      const key = suite.privateKeyFromPem(readFileSync(join(home, "node.key.pem"), "utf8"));
      const store = ChainStore.open(join(home, "data"));
      return { genesis, key, store, chain: Chain.open(store, suite, genesis) };
    });
    const { genesis } = nodes[0]!;

    // A user makes a key and CSR; org2's admin issues the certificate and registers it.
    const org = join(out, "orgs", "org2");
    const userKeyFile = join(base, "revoke-user.key.pem");
    await mkl("cert", "keygen", "--suite", "sm", "--out", userKeyFile);
    await mkl(
      "cert",
      "csr",
      "--key",
      userKeyFile,
      "--org",
      "org2",
      "--role",
      "buyer",
      "--out",
      join(base, "revoke-user.csr"),
    );
    const caArgs = ["--ca-cert", join(org, "ca.cert.pem"), "--ca-key", join(org, "ca.key.pem")];
    await mkl(
      "cert",
      "issue",
      ...caArgs,
      "--csr",
      join(base, "revoke-user.csr"),
      "--out",
      join(base, "revoke-user.cert.pem"),
    );
    const userCert = parseCertificate(readFileSync(join(base, "revoke-user.cert.pem"), "utf8"));
    const user = suite.privateKeyFromPem(readFileSync(userKeyFile, "utf8"));
    const admin = suite.privateKeyFromPem(readFileSync(join(org, "admin.key.pem"), "utf8"));
    const code = decodeUserCode(userCert.subject.commonName);
    const nonces = new Map<string, bigint>();
    const tx = (key: typeof user, op: Operation) => {
      const sender = suite.publicKeyOf(key).bytes;
      const nonce = nonces.get(toHex(sender)) ?? 0n;
      nonces.set(toHex(sender), nonce + 1n);
      const unsigned = { chainId: genesis.chainId, sender, nonce, expiryHeight: 100n, op };
      return encodeSignedTx(signTx(suite, key, unsigned, txCodecs), txCodecs);
    };
    const pay = { kind: "transfer" as const, value: { to: new Uint8Array(20), amountFen: 1n, memo: "" } };

    let time = genesis.genesisTimeMs;
    /** Every node executes the block; all must agree before each commits it. */
    const block = (txs: Uint8Array[]) => {
      time += 1000n;
      const proposer = suite.publicKeyOf(nodes[0]!.key);
      const prepared = nodes.map((node) => node.chain.prepareBlock(txs, time, proposer.bytes));
      for (const p of prepared) {
        expect(toHex(p.hash)).toBe(toHex(prepared[0]!.hash));
        expect(p.outcome.results).toEqual(prepared[0]!.outcome.results);
      }
      // One certificate for all (signatures are randomised): the next block's header commits to it.
      const { commit } = nodes[0]!.chain.signCommit(
        prepared[0]!,
        [{ privateKey: nodes[0]!.key, publicKey: proposer }],
        time,
      );
      nodes.forEach((node, i) => {
        node.chain.commit(prepared[i]!, { ...prepared[i]!.block, commit });
      });
      return prepared[0]!.outcome.results.map((r) => r.code);
    };

    expect(block([tx(admin, { kind: "registerIdentity", value: { certificate: userCert.der } })])).toEqual([
      "OK",
    ]);
    const before = tx(user, pay);
    expect(
      block([before, tx(admin, { kind: "revokeCertificate", value: { code, reason: "keyCompromise" } })]),
    ).toEqual(["INSUFFICIENT_FUNDS", "OK"]);
    const after = tx(user, pay);
    for (const node of nodes) {
      const env = { chainId: genesis.chainId, height: node.chain.height + 1n, timeMs: time };
      const admitted = admitTx(suite, env, after);
      expect(() => authorizeTx(node.chain.state, env, admitted)).toThrow(
        expect.objectContaining({ code: "IDENTITY_REVOKED" }),
      );
      expect(lookupIdentity(node.chain.state, userCert.subject.commonName)?.status).toBe("revoked");
    }
    expect(block([after])).toEqual(["IDENTITY_REVOKED"]);
    // The transaction from before the revocation is still on every chain and still verifies.
    for (const node of nodes) {
      const record = node.chain.txRecord(suite.hash(before))!;
      expect(record.result.code).toBe("INSUFFICIENT_FUNDS");
      expect(verifyTxSignature(suite, decodeSignedTx(record.txBytes, txCodecs), txCodecs)).toBe(true);
    }
    await Promise.all(nodes.map((node) => node.store.close()));
  });
});
