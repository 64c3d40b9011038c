import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Document, Node } from 'yaml';

import type { Diagnostic, SourceLocation, YamlPath } from '../diagnostics';

/** One parsed YAML file that can say where any path inside it was written. */
export class YamlFile {
  private constructor(
    readonly file: string,
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  /**
   * Parses `text`; on syntax errors returns them instead, as warnings with code `yaml-syntax`:
   * like upstream, a broken file is skipped and the rest of the workspace still loads.
   * Merge keys (`<<: *anchor`) are honoured; duplicate keys are errors, as in upstream.
   */
  static parse(file: string, text: string): { file: YamlFile } | { errors: Diagnostic[] } {
    const lines = new LineCounter();
    const doc = parseDocument(text, {
      lineCounter: lines,
      merge: true,
      uniqueKeys: true,
      prettyErrors: false,
    });
    if (doc.errors.length > 0) {
      return {
        errors: doc.errors.map((e) => {
          const pos = lines.linePos(e.pos[0]);
          return {
            severity: 'warning' as const,
            code: 'yaml-syntax' as const,
            path: '',
            message: `invalid YAML: ${firstLine(e.message)}`,
            location: { file, line: pos.line, column: pos.col },
          };
        }),
      };
    }
    return { file: new YamlFile(file, doc, lines) };
  }

  toJS(): unknown {
    return this.doc.toJS({ maxAliasCount: 1000 });
  }

  /**
   * Where `path` was written: a scalar points at its value, a map or list at its key. A path
   * that does not exist points at its nearest existing ancestor.
   */
  locate(path: YamlPath): SourceLocation {
    let node: unknown = this.doc.contents;
    let keyNode: Node | null = null;
    let best: Node | null = isNodeWithRange(node) ? node : null;
    for (const part of path) {
      let next: unknown = undefined;
      let nextKey: Node | null = null;
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && scalarKey(p.key) === String(part));
        if (pair) {
          next = pair.value;
          nextKey = isNodeWithRange(pair.key) ? pair.key : null;
        }
      } else if (isSeq(node) && typeof part === 'number') {
        next = node.items[part];
      }
      if (next === undefined && nextKey === null) break;
      node = next;
      keyNode = nextKey;
      if (isScalar(node) && isNodeWithRange(node) && node.value !== null) best = node;
      else if (keyNode) best = keyNode;
      else if (isNodeWithRange(node)) best = node;
    }
    const offset = best?.range?.[0] ?? 0;
    const pos = this.lines.linePos(offset);
    return { file: this.file, line: pos.line, column: pos.col };
  }
}

function scalarKey(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  return undefined;
}

function isNodeWithRange(n: unknown): n is Node {
  return typeof n === 'object' && n !== null && 'range' in n && Array.isArray((n as Node).range);
}

function firstLine(message: string): string {
  return message.split('\n')[0].trim();
}
