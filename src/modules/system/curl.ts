/**
 * curl config text (`curl -K -`, read from stdin) for get_url and uri: URLs, headers, bodies and
 * credentials travel on stdin, never on a command line where `ps` or a report could show them.
 */

/** One value as a double-quoted curl config string. */
export function curlString(v: string): string {
  if (v.includes('\0')) throw new Error('a curl option cannot contain a NUL byte');
  return '"' + v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t') + '"';
}

/** `[["url", "http://x"], ["header", "A: b"]]` → config lines. */
export function curlConfig(entries: Array<[string, string]>): string {
  return entries.map(([k, v]) => `${k} = ${curlString(v)}\n`).join('');
}

/** A URL safe to print: the password of `user:pass@` is masked. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/@:]*):[^/@]*@/i, '$1:********@');
}

/** Header names and values, refusing CR/LF (header injection). */
export function headerEntries(headers: Record<string, string> | undefined): Array<[string, string]> {
  return Object.entries(headers ?? {}).map(([k, v]) => ['header', `${k}: ${v}`]);
}

export const headersArg = (z: typeof import('zod').z) =>
  z
    .record(
      z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, { message: 'not a valid HTTP header name' }),
      z.preprocess(
        (v) => (typeof v === 'number' || typeof v === 'boolean' ? String(v) : v),
        z.string().refine((s) => !/[\r\n]/.test(s), { message: 'header values cannot contain line breaks' }),
      ),
    )
    .optional();
