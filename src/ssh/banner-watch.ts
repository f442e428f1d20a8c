/**
 * Watches the first bytes a server sends for the start of its SSH identification line
 * (`SSH-2.0-…`). A server may send other lines first (RFC 4253 4.2), and sshd past its
 * MaxStartups sends one, `Exceeded MaxStartups`, then closes: bytes alone do not mean that
 * the banner came. What came before the banner is kept (trimmed) to name the refusal.
 */
const MAX_PRE_BANNER = 8192;

export class BannerWatch {
  private text = '';
  private seen = false;

  /** Feed received bytes; true once the identification line has begun (or too much came without one). */
  feed(chunk: Buffer): boolean {
    if (this.seen) return true;
    this.text += chunk.toString('latin1');
    // A line starting with SSH-, or so much that it is not a pre-banner text: ssh2 judges the rest.
    if (/(^|\n)SSH-/.test(this.text) || this.text.length > MAX_PRE_BANNER) this.seen = true;
    return this.seen;
  }

  get bannerSeen(): boolean {
    return this.seen;
  }

  /** The server's words before any banner, as one short line (empty when it said nothing). */
  get preBanner(): string {
    return this.text
      .replace(/[^\x20-\x7e]+/g, ' ')
      .trim()
      .slice(0, 200);
  }
}
