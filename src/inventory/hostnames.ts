/**
 * Host names as Ansible reads them: `host:port`, `[v6]:port`, and ranges like `web[01:03]`, `db-[a:c]`,
 * `n[0:10:2]` (ports of lib/ansible/parsing/utils/addresses.py and expand_hostname_range).
 */

const numericRange = String.raw`\[(?:[0-9]+:[0-9]+)(?::[0-9]+)?\]`;
const hexRange = String.raw`\[(?:[0-9a-f]+:[0-9a-f]+)(?::[0-9]+)?\]`;
const alnumRange = String.raw`\[(?:[a-z]:[a-z]|[0-9]+:[0-9]+)(?::[0-9]+)?\]`;
const ipv6Comp = String.raw`(?:[0-9a-f]{1,4}|${hexRange})`;
const ipv4Comp = String.raw`(?:[01]?[0-9]{1,2}|2[0-4][0-9]|25[0-5]|${numericRange})`;
const label = String.raw`(?:[\p{L}\p{N}_]|${alnumRange})(?:[\p{L}\p{N}_-]|${alnumRange})*(?<![_-])`;

const BRACKETED_HOSTPORT = /^\[(.+)\]:([0-9]+)$/;
const HOSTPORT = /^((?:[^:[\]]|\[[^\]]*\])*):([0-9]+)$/;
export const IPV4 = new RegExp(String.raw`^(?:${ipv4Comp}\.){3}${ipv4Comp}$`, 'i');
export const IPV6 = new RegExp(
  '^(?:' +
    [
      String.raw`(?:${ipv6Comp}:){7}${ipv6Comp}`,
      String.raw`(?:${ipv6Comp}:){1,6}:`,
      String.raw`(?:${ipv6Comp}:)(?::${ipv6Comp}){1,6}`,
      String.raw`(?:${ipv6Comp}:){2}(?::${ipv6Comp}){1,5}`,
      String.raw`(?:${ipv6Comp}:){3}(?::${ipv6Comp}){1,4}`,
      String.raw`(?:${ipv6Comp}:){4}(?::${ipv6Comp}){1,3}`,
      String.raw`(?:${ipv6Comp}:){5}(?::${ipv6Comp}){1,2}`,
      String.raw`(?:${ipv6Comp}:){6}(?::${ipv6Comp})`,
      String.raw`:(?::${ipv6Comp}){1,6}`,
      String.raw`${ipv6Comp}?::`,
      String.raw`(?:0:){6}(?:${ipv6Comp}\.){3}${ipv6Comp}`,
      String.raw`::(?:ffff:)?(?:${ipv6Comp}\.){3}${ipv6Comp}`,
      String.raw`(?:0:){5}ffff:(?:${ipv6Comp}\.){3}${ipv6Comp}`,
    ].join('|') +
    ')$',
  'i',
);
const HOSTNAME = new RegExp(String.raw`^${label}(?:\.${label})*$`, 'iu');

/** Split `host:port` / `[v6]:port`; null when the text is not a host identifier (Ansible's parse_address). */
export function parseAddress(address: string, allowRanges = true): { host: string; port?: number } | null {
  let host = address;
  let port: number | undefined;
  for (const re of [BRACKETED_HOSTPORT, HOSTPORT]) {
    const m = re.exec(host);
    if (m) {
      host = m[1]!;
      port = Number(m[2]);
    }
  }
  if (!(IPV4.test(host) || IPV6.test(host) || HOSTNAME.test(host))) return null;
  if (!allowRanges && host.includes('[')) return null;
  return { host, port };
}

/** The most hosts one inventory line may expand to: a typo like `web[1:99999999]` is an error, not a hang. */
export const MAX_RANGE_HOSTS = 100_000;

/** Expand `web[01:03]` → web01, web02, web03 (several ranges and `[a:c]` letters too). Throws a message string's Error on a bad range. */
export function expandHostRange(name: string, budget = MAX_RANGE_HOSTS): string[] {
  const open = name.indexOf('[');
  if (open < 0) return [name];
  const close = name.indexOf(']', open);
  // Ansible replaces the first '[' and the first ']' anywhere in the line.
  const firstClose = name.indexOf(']');
  if (close < 0 || firstClose < open) throw new Error(`host range in "${name}" is not closed with "]"`);
  const head = name.slice(0, open);
  const range = name.slice(open + 1, close);
  const tail = name.slice(close + 1);
  const bounds = range.split(':');
  if (bounds.length !== 2 && bounds.length !== 3) throw new Error('host range must be begin:end or begin:end:step');
  let beg = bounds[0]!;
  const end = bounds[1]!;
  const stepText = bounds[2] ?? '1';
  if (!beg) beg = '0';
  if (!end) throw new Error('host range must specify end value');
  if (!/^[0-9]+$/.test(stepText) || Number(stepText) < 1) throw new Error(`host range step must be a positive integer, got "${stepText}"`);
  const step = Number(stepText);
  let fill = (x: string | number): string => String(x);
  if (beg[0] === '0' && beg.length > 1) {
    if (beg.length !== end.length) throw new Error('host range must specify equal-length begin and end formats');
    fill = (x) => String(x).padStart(beg.length, '0');
  }
  const letters = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
  let seq: Array<string | number> = [];
  const ib = beg.length === 1 ? letters.indexOf(beg) : -1;
  const ie = end.length === 1 ? letters.indexOf(end) : -1;
  if (ib >= 0 && ie >= 0) {
    if (ib > ie) throw new Error('host range must have begin <= end');
    for (let i = ib; i <= ie; i += step) seq.push(letters[i]!);
  } else {
    if (!/^[0-9]+$/.test(beg) || !/^[0-9]+$/.test(end)) throw new Error(`host range [${range}] must be numbers or single letters`);
    const b = parseInt(beg, 10);
    const e = parseInt(end, 10);
    // Ansible silently yields no hosts here; a typo that drops hosts deserves an error.
    if (b > e) throw new Error('host range must have begin <= end');
    if (Math.floor((e - b) / step) + 1 > budget) {
      throw new Error(`host range [${range}] expands to more than ${MAX_RANGE_HOSTS} hosts (with the other ranges of the line); split the inventory or use a group`);
    }
    seq = [];
    for (let i = b; i <= e; i += step) seq.push(i);
  }
  const out: string[] = [];
  const inner = Math.floor(budget / Math.max(1, seq.length));
  for (const x of seq) out.push(...expandHostRange(head + fill(x) + tail, inner));
  return out;
}

/** Ansible's `_expand_hostpattern`: host names (ranges expanded) and the port shared by all of them. */
export function expandHostPattern(pattern: string): { hosts: string[]; port?: number } {
  const parsed = parseAddress(pattern, true);
  const base = parsed ? parsed.host : pattern;
  const hosts = base.includes('[') ? expandHostRange(base) : [base];
  return { hosts, port: parsed?.port };
}
