/**
 * Checks every relative link and in-page anchor of the project's markdown: README.md,
 * CONTRIBUTING.md, CHANGELOG.md and docs/*.md (or the files given as arguments). A link to a
 * file must name a file or directory that exists; a link with `#anchor` must name a heading of
 * the target markdown file (GitHub's heading ids). Links with a scheme (https:, mailto:) are not
 * followed. Exits non-zero and lists each broken link. Run: npx tsx scripts/check-links.ts
 */
import * as fs from 'fs';
import * as path from 'path';
import { brokenLinks, defaultDocuments } from '../test/docs/links';

const root = path.resolve(__dirname, '..');
const files = process.argv.length > 2 ? process.argv.slice(2).map((f) => path.resolve(f)) : defaultDocuments(root);
const broken = brokenLinks(files, (file) => fs.readFileSync(file, 'utf8'), (file) => fs.existsSync(file));
for (const b of broken) {
  console.error(`${path.relative(root, b.file)}:${b.line}: ${b.link}: ${b.reason}`);
}
if (broken.length > 0) {
  console.error(`check-links: ${broken.length} broken link(s)`);
  process.exit(1);
}
console.log(`check-links: every relative link and anchor resolves (${files.length} files)`);
