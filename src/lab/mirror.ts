import { readFileSync, readdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import { TsplayError } from '../errors.js';

const DEBIAN_SUITES = /^(bullseye|bookworm|trixie|forky|sid|stable|oldstable|testing|unstable)(-updates|-backports)?$/;

/**
 * The Debian archive this machine's apt already uses (the first `deb` source for a Debian suite that
 * is not the security archive). Parses one-line `sources.list` and deb822 `.sources` text.
 */
export function mirrorFromSources(files: Array<{ name: string; text: string }>): string | null {
  for (const f of files) {
    const entries = f.name.endsWith('.sources') ? parseDeb822(f.text) : parseOneLine(f.text);
    for (const e of entries) {
      if (!e.types.includes('deb')) continue;
      if (!e.suites.some((s) => DEBIAN_SUITES.test(s))) continue;
      for (const uri of e.uris) {
        if (/security/.test(uri) || !/^https?:\/\//.test(uri)) continue;
        return uri.replace(/\/+$/, '');
      }
    }
  }
  return null;
}

interface SourceEntry {
  types: string[];
  uris: string[];
  suites: string[];
}

function parseOneLine(text: string): SourceEntry[] {
  const out: SourceEntry[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) continue;
    // deb [opts] uri suite components...
    const m = /^(deb|deb-src)\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)/.exec(line);
    if (m) out.push({ types: [m[1]!], uris: [m[2]!], suites: [m[3]!] });
  }
  return out;
}

function parseDeb822(text: string): SourceEntry[] {
  const out: SourceEntry[] = [];
  for (const para of text.split(/\n\s*\n/)) {
    const fields: Record<string, string> = {};
    let last = '';
    for (const raw of para.split('\n')) {
      if (raw.startsWith('#')) continue;
      if (/^\s/.test(raw) && last) {
        fields[last] += ' ' + raw.trim();
        continue;
      }
      const m = /^([A-Za-z-]+):\s*(.*)$/.exec(raw);
      if (m) {
        last = m[1]!.toLowerCase();
        fields[last] = m[2]!.trim();
      }
    }
    if (fields['enabled'] === 'no') continue;
    const words = (k: string): string[] => (fields[k] ?? '').split(/\s+/).filter(Boolean);
    if (fields['uris']) out.push({ types: words('types'), uris: words('uris'), suites: words('suites') });
  }
  return out;
}

/** The Debian mirror to debootstrap from: TSPLAY_DEBIAN_MIRROR, else this machine's apt sources. */
export function debianMirror(etcApt = '/etc/apt'): string {
  const env = process.env['TSPLAY_DEBIAN_MIRROR'];
  if (env) return env.replace(/\/+$/, '');
  const files: Array<{ name: string; text: string }> = [];
  const main = path.join(etcApt, 'sources.list');
  if (existsSync(main)) files.push({ name: main, text: readFileSync(main, 'utf8') });
  const dir = path.join(etcApt, 'sources.list.d');
  if (existsSync(dir)) {
    for (const n of readdirSync(dir).sort()) {
      if (n.endsWith('.list') || n.endsWith('.sources')) files.push({ name: n, text: readFileSync(path.join(dir, n), 'utf8') });
    }
  }
  const m = mirrorFromSources(files);
  if (!m) {
    throw new TsplayError('LAB', `no Debian archive found in ${etcApt}/sources.list(.d)`, {
      hint: 'set TSPLAY_DEBIAN_MIRROR to the Debian mirror URL this machine can reach',
    });
  }
  return m;
}
