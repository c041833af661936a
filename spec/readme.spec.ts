/**
 * Every TypeScript block in the README and in docs/ compiles against the built package, as a
 * user's file would, and every link between the pages lands on a page and a heading there.
 */
import { expect } from 'chai';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';
import { anchors, docPages, fencedBlocks, localLinks, root } from './support/docs';

describe('README and docs', function () {
  this.timeout(120_000);

  it('should have TypeScript blocks that compile as ES modules importing bigrays', () => {
    const pages = docPages();
    const blocks = pages.flatMap((page) => fencedBlocks(page.text, 'ts').map((block) => ({ ...block, page: page.file })));
    // The Quick start is in the README; the reference's examples on its pages.
    expect(fencedBlocks(pages[0].text, 'ts').length).to.be.greaterThan(0);
    expect(blocks.length).to.be.greaterThan(25);
    // Inside the package, so that `from 'bigrays'` resolves to it (package self-reference).
    const dir = path.join(root, '.readme-blocks', 'compile');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    try {
      const files = blocks.map((block, i) => {
        const page = block.page.replace(/\.md$/, '').replace(/\//g, '-');
        const file = path.join(dir, `${page}-block-${i + 1}-line-${block.line}.mts`);
        writeFileSync(file, block.code);
        return file;
      });
      const program = ts.createProgram(files, {
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.Node16,
        moduleResolution: ts.ModuleResolutionKind.Node16,
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        types: ['node'],
      });
      const problems = ts.getPreEmitDiagnostics(program).map((d) => {
        const where = d.file ? `${path.basename(d.file.fileName)}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}` : '';
        return `${where} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
      });
      expect(problems, problems.join('\n')).to.deep.equal([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('should link only to files that exist and to headings the linked page has', () => {
    const pages = docPages();
    const headings = new Map(pages.map((page) => [page.file, anchors(page.text)]));
    const broken = pages.flatMap((page) =>
      localLinks(page.text).flatMap((link) => {
        const [target, anchor] = link.split('#');
        const file = target === '' ? page.file : path.posix.normalize(path.posix.join(path.posix.dirname(page.file), target));
        if (!existsSync(path.join(root, file))) return [`${page.file}: ${link} (no file ${file})`];
        if (anchor !== undefined && !headings.get(file)?.has(anchor)) return [`${page.file}: ${link} (no heading #${anchor} in ${file})`];
        return [];
      }),
    );
    expect(broken, broken.join('\n')).to.deep.equal([]);
    // The README reaches every page of the docs, through the index at least.
    const fromReadme = new Set(localLinks(pages[0].text).map((link) => link.split('#')[0]));
    expect(fromReadme).to.include('docs/README.md');
    const fromIndex = new Set(localLinks(pages.find((page) => page.file === 'docs/README.md')!.text).map((link) => link.split('#')[0]));
    const unlinked = pages.filter((page) => page.file.startsWith('docs/') && page.file !== 'docs/README.md' && !fromIndex.has(path.posix.basename(page.file)));
    expect(unlinked.map((page) => page.file)).to.deep.equal([]);
    // Installed, the package holds the pages, so that the README's links resolve in node_modules too.
    const { files } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { files: string[] };
    expect(files).to.include.members(['README.md', 'docs']);
  });
});
