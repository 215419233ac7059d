/**
 * Python's text codecs as Ansible's to_text/to_bytes use them (errors='surrogate_or_strict', i.e.
 * surrogateescape): undecodable bytes become lone surrogates U+DC80..U+DCFF and are written back as
 * the same bytes, so a file with stray bytes round-trips unchanged.
 */

/** A codec we can decode and encode, from Python's spelling of its name (or undefined). */
export function pyCodec(name: string): 'utf-8' | 'latin-1' | 'ascii' | undefined {
  const n = name.toLowerCase().replace(/[-_ ]/g, '');
  if (n === 'utf8' || n === 'u8' || n === 'utf') return 'utf-8';
  if (n === 'latin1' || n === 'latin' || n === 'iso88591' || n === 'l1' || n === '8859' || n === 'cp819') return 'latin-1';
  if (n === 'ascii' || n === 'usascii' || n === '646') return 'ascii';
  return undefined;
}

const esc = (b: number): string => String.fromCharCode(0xdc00 + b);

/** Decode bytes like Python's bytes.decode(codec, 'surrogateescape'). */
export function pyDecode(buf: Buffer, codec: 'utf-8' | 'latin-1' | 'ascii'): string {
  if (codec === 'latin-1') return buf.toString('latin1');
  let out = '';
  let i = 0;
  while (i < buf.length) {
    const b = buf[i]!;
    if (b < 0x80) {
      out += String.fromCharCode(b);
      i++;
      continue;
    }
    if (codec === 'ascii') {
      out += esc(b);
      i++;
      continue;
    }
    // One well-formed UTF-8 sequence (Unicode table 3-7: no overlongs, no surrogates, <= U+10FFFF).
    let len = 0;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) len = 2;
    else if (b >= 0xe0 && b <= 0xef) {
      len = 3;
      if (b === 0xe0) lo = 0xa0;
      if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      len = 4;
      if (b === 0xf0) lo = 0x90;
      if (b === 0xf4) hi = 0x8f;
    }
    let ok = len > 0 && i + len <= buf.length;
    for (let j = 1; ok && j < len; j++) {
      const c = buf[i + j]!;
      if (c < (j === 1 ? lo : 0x80) || c > (j === 1 ? hi : 0xbf)) ok = false;
    }
    if (!ok) {
      out += esc(b);
      i++;
      continue;
    }
    out += buf.subarray(i, i + len).toString('utf8');
    i += len;
  }
  return out;
}

/** Encode text like Python's str.encode(codec, 'surrogateescape'); a character the codec cannot hold is an error. */
export function pyEncode(text: string, codec: 'utf-8' | 'latin-1' | 'ascii'): Buffer {
  const parts: Buffer[] = [];
  let run = '';
  const flush = (): void => {
    if (run === '') return;
    parts.push(Buffer.from(run, codec === 'utf-8' ? 'utf8' : 'latin1'));
    run = '';
  };
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (cp >= 0xdc80 && cp <= 0xdcff) {
      flush();
      parts.push(Buffer.from([cp - 0xdc00]));
    } else if ((cp >= 0xd800 && cp <= 0xdfff) || (codec === 'latin-1' && cp > 0xff) || (codec === 'ascii' && cp > 0x7f)) {
      throw new Error(`'${codec}' codec can't encode character ${JSON.stringify(ch)}`);
    } else run += ch;
  }
  flush();
  return Buffer.concat(parts);
}
