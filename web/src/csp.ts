/**
 * The page runs under a strict CSP (src/node/api/static.ts): scripts from 'self' only, styles
 * from 'self' plus a nonce fresh per response. Ant Design's CSS-in-JS takes the nonce from
 * ConfigProvider; two helpers inside its rc-components (the modal's scroll lock and the
 * table's scrollbar measure) insert <style> tags without one, which the CSP would refuse. So
 * every <style> element this page's own scripts insert gets the nonce on its way in. Only our
 * scripts run (script-src 'self'), so this trusts no one the nonce did not already trust.
 */
const PLACEHOLDER = "__CSP_NONCE__";

export function pageNonce(): string | undefined {
  const nonce = document.querySelector<HTMLMetaElement>('meta[name="csp-nonce"]')?.content;
  return nonce && nonce !== PLACEHOLDER ? nonce : undefined;
}

export function nonceInsertedStyles(nonce: string): void {
  const tag = (node: Node) => {
    if (node instanceof HTMLStyleElement && !node.nonce) node.nonce = nonce;
  };
  const { appendChild, insertBefore } = Node.prototype;
  Node.prototype.appendChild = function <T extends Node>(this: Node, child: T): T {
    tag(child);
    return appendChild.call(this, child) as T;
  };
  Node.prototype.insertBefore = function <T extends Node>(this: Node, child: T, ref: Node | null): T {
    tag(child);
    return insertBefore.call(this, child, ref) as T;
  };
}
