/**
 * The link checker behind scripts/check-links.ts: finds the relative links and in-page anchors
 * of markdown documents and reports those that do not resolve. Anchors follow GitHub's heading
 * ids: the heading's text in lower case, without punctuation (letters, digits, spaces, `-` and
 * `_` stay), spaces turned into `-`, and `-1`, `-2`... appended to repeats.
 */
import * as fs from 'fs';
import * as path from 'path';

export interface BrokenLink {
  readonly file: string;
  readonly line: number;
  readonly link: string;
  readonly reason: string;
}

/** README.md, CONTRIBUTING.md, CHANGELOG.md and every docs/*.md under root. */
export function defaultDocuments(root: string): string[] {
  const docsDir = path.join(root, 'docs');
  const docs = fs.existsSync(docsDir)
    ? fs.readdirSync(docsDir).filter((f) => f.endsWith('.md')).sort().map((f) => path.join(docsDir, f))
    : [];
  return [...['README.md', 'CONTRIBUTING.md', 'CHANGELOG.md'].map((f) => path.join(root, f)), ...docs];
}

/** The text of a markdown document outside fenced code blocks, line by line (fenced lines blanked). */
function proseLines(text: string): string[] {
  let fence: string | undefined;
  return text.split('\n').map((line) => {
    const m = /^\s*(`{3,}|~{3,})/.exec(line);
    if (m) {
      if (fence === undefined) {
        fence = m[1][0].repeat(m[1].length);
        return '';
      }
      if (m[1].startsWith(fence)) {
        fence = undefined;
        return '';
      }
    }
    return fence === undefined ? line : '';
  });
}

/** GitHub's id for a heading text. */
export function headingSlug(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // a link in a heading keeps its text
    .replace(/<[^>]+>/g, '')
    .trim()
    .toLowerCase();
  return text.replace(/[^\p{L}\p{N}\p{M} _-]/gu, '').replace(/ /g, '-');
}

/** The anchors a markdown document defines: its headings' ids (with repeats numbered) and explicit `<a id>`/`<a name>`. */
export function anchorsOf(text: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of proseLines(text)) {
    const h = /^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (h) {
      const slug = headingSlug(h[1]);
      const n = seen.get(slug) ?? 0;
      seen.set(slug, n + 1);
      anchors.add(n === 0 ? slug : `${slug}-${n}`);
    }
    for (const a of line.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) {
      anchors.add(a[1]);
    }
  }
  return anchors;
}

/** The inline links of a markdown document (outside code), with their line numbers. */
export function linksOf(text: string): Array<{ line: number; target: string }> {
  const links: Array<{ line: number; target: string }> = [];
  proseLines(text).forEach((raw, i) => {
    const line = raw.replace(/(`+)(?:(?!\1).)*?\1/g, ''); // inline code spans hold no links
    for (const m of line.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      links.push({ line: i + 1, target: m[1] });
    }
  });
  return links;
}

/**
 * The links of `files` that do not resolve. `read` and `exists` give the file system (the test
 * passes a fixture); a link with a scheme (`https:`, `mailto:`) is not checked.
 */
export function brokenLinks(files: string[], read: (file: string) => string, exists: (file: string) => boolean): BrokenLink[] {
  const anchorCache = new Map<string, Set<string>>();
  const anchors = (file: string) => {
    let a = anchorCache.get(file);
    if (a === undefined) {
      a = anchorsOf(read(file));
      anchorCache.set(file, a);
    }
    return a;
  };
  const broken: BrokenLink[] = [];
  for (const file of files) {
    for (const { line, target } of linksOf(read(file))) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
      const hash = target.indexOf('#');
      const filePart = hash === -1 ? target : target.slice(0, hash);
      const anchor = hash === -1 ? undefined : decodeURIComponent(target.slice(hash + 1));
      const resolved = filePart === '' ? file : path.resolve(path.dirname(file), decodeURIComponent(filePart));
      if (filePart !== '' && !exists(resolved)) {
        broken.push({ file, line, link: target, reason: `no such file ${path.basename(resolved)}` });
        continue;
      }
      if (anchor !== undefined) {
        if (!resolved.endsWith('.md')) {
          broken.push({ file, line, link: target, reason: 'an anchor into a file that is not markdown' });
        } else if (!anchors(resolved).has(anchor)) {
          broken.push({ file, line, link: target, reason: `no heading with id "${anchor}" in ${path.basename(resolved)}` });
        }
      }
    }
  }
  return broken;
}
