// Projects that compile this lib through its path alias do not include its ambient typings on
// their own, so pull them in here.
// eslint-disable-next-line @typescript-eslint/triple-slash-reference
/// <reference path="./nunjucks-internals.d.ts" />
/**
 * Compiles Tera templates with nunjucks' parser and code generator, overriding the pieces whose
 * semantics differ (Tera 1.x `renderer/processor.rs`): undefined variables are errors except in
 * tests, `default` and conditions; `and`/`or`/`not` give booleans with Tera truthiness; math,
 * comparison, `in` and `~` follow Tera's typing; printing goes through Tera's rules; filters and
 * functions take named arguments only; `a.0` indexes arrays. The generated code calls
 * `env.tera.*` (tera-runtime.ts), so nothing global in nunjucks is changed.
 */
import { Compiler } from 'nunjucks/src/compiler';
import * as lexer from 'nunjucks/src/lexer';
import {
  Add,
  Div,
  FloorDiv,
  FunCall,
  Literal,
  LookupVal,
  Mod,
  Mul,
  Pow,
  Sub,
} from 'nunjucks/src/nodes';
import type { NjFrame, NjNode } from 'nunjucks/src/nodes';
import { Parser } from 'nunjucks/src/parser';
import { transform } from 'nunjucks/src/transformer';

import { FILTERS, FUNCTIONS, TESTS } from './tera-builtins';

const T = 'env.tera';
const NAMED_ARG_EXAMPLES: Record<string, string> = {
  default: 'default(value="…")',
  join: 'join(sep=", ")',
  replace: 'replace(from="a", to="b")',
  split: 'split(pat=",")',
  get_env: 'get_env(name="HOME")',
  range: 'range(end=3)',
};

type BinaryNode = new (lineno: number, colno: number, left: unknown, right: unknown) => unknown;
const ADDITIVE: Record<string, BinaryNode> = { '+': Add, '-': Sub };
const MULTIPLICATIVE: Record<string, BinaryNode> = {
  '*': Mul,
  '/': Div,
  '%': Mod,
  '//': FloorDiv,
  '**': Pow,
};

/** Tera also accepts `items.0` (and `rows.1.2`) for array indexes; nunjucks' parser does not. */
class TeraParser extends Parser {
  override parsePostfix(node: NjNode): NjNode {
    let current = node;
    for (let tok = this.peekToken(); tok; tok = this.peekToken()) {
      if (tok.type === lexer.TOKEN_LEFT_PAREN) {
        current = new FunCall(
          tok.lineno,
          tok.colno,
          current,
          this.parseSignature(),
        ) as unknown as NjNode;
      } else if (tok.type === lexer.TOKEN_LEFT_BRACKET) {
        const lookup = this.parseAggregate();
        if (lookup.children.length > 1) this.fail('invalid index');
        current = new LookupVal(
          tok.lineno,
          tok.colno,
          current,
          lookup.children[0],
        ) as unknown as NjNode;
      } else if (tok.type === lexer.TOKEN_OPERATOR && tok.value === '.') {
        this.nextToken();
        const val = this.nextToken();
        let keys: (string | number)[];
        if (val.type === lexer.TOKEN_SYMBOL) keys = [val.value];
        else if (val.type === lexer.TOKEN_INT) keys = [Number(val.value)];
        // The lexer reads `.1.2` as the float `1.2`.
        else if (val.type === lexer.TOKEN_FLOAT) keys = val.value.split('.').map(Number);
        else
          return this.fail(
            `expected name as lookup value, got ${val.value}`,
            val.lineno,
            val.colno,
          );
        for (const key of keys) {
          const literal = new Literal(val.lineno, val.colno, key);
          current = new LookupVal(tok.lineno, tok.colno, current, literal) as unknown as NjNode;
        }
      } else {
        break;
      }
    }
    return current;
  }

  // nunjucks gives `-` and `%` their own precedence levels, so `2 * 4 % 8` is `2 * (4 % 8)`.
  // Tera has two left-associative levels: `+ -` and `* / %`.
  override parseAdd(): NjNode {
    let node = this.parseMul();
    for (;;) {
      const tok = this.peekToken();
      const Op = tok?.type === lexer.TOKEN_OPERATOR ? ADDITIVE[tok.value] : undefined;
      if (!tok || !Op) return node;
      this.nextToken();
      node = new Op(node.lineno, node.colno, node, this.parseMul()) as unknown as NjNode;
    }
  }

  override parseMul(): NjNode {
    let node = this.parseUnary();
    for (;;) {
      const tok = this.peekToken();
      const Op = tok?.type === lexer.TOKEN_OPERATOR ? MULTIPLICATIVE[tok.value] : undefined;
      if (!tok || !Op) return node;
      this.nextToken();
      node = new Op(node.lineno, node.colno, node, this.parseUnary()) as unknown as NjNode;
    }
  }
}

function isLookup(node: NjNode): boolean {
  return node.typename === 'Symbol' || node.typename === 'LookupVal';
}

/** The dotted path of a variable, for "'x.y' is undefined" messages. */
function pathOf(node: NjNode): string {
  if (node.typename === 'Symbol') return String(node.value);
  if (node.typename === 'LookupVal') {
    const key = node.val;
    const base = pathOf(node.target);
    if (key.typename === 'Literal' && typeof key.value === 'string') return `${base}.${key.value}`;
    if (key.typename === 'Literal' && typeof key.value === 'number') return `${base}.${key.value}`;
    return `${base}[…]`;
  }
  return '(expression)';
}

interface IterableNode extends NjNode {
  inner: NjNode;
  withKey: boolean;
}

class TeraCompiler extends Compiler {
  private emitLine(node: NjNode): void {
    this._emitLine(`lineno = ${node.lineno}; colno = ${node.colno};`);
  }

  /** Compiles a variable so that a missing one yields `Undefined` instead of an error. */
  private compileLoose(node: NjNode, frame: NjFrame): void {
    if (node.typename === 'Symbol') {
      const name = String(node.value);
      const local = frame.lookup(name);
      this._emit(local ?? `${T}.lookup(context, frame, ${JSON.stringify(name)})`);
    } else if (node.typename === 'LookupVal') {
      this._emit(`${T}.member(`);
      this.compileLoose(node.target, frame);
      this._emit(', ');
      this.compile(node.val, frame);
      this._emit(`, ${JSON.stringify(pathOf(node))})`);
    } else {
      this.compile(node, frame);
    }
  }

  private compileStrictLookup(node: NjNode, frame: NjFrame): void {
    this._emit(`${T}.strict(`);
    this.compileLoose(node, frame);
    this._emit(')');
  }

  compileSymbol(node: NjNode, frame: NjFrame): void {
    this.compileStrictLookup(node, frame);
  }

  compileLookupVal(node: NjNode, frame: NjFrame): void {
    this.compileStrictLookup(node, frame);
  }

  private compileCondition(node: NjNode, frame: NjFrame): void {
    this._emit(`${T}.truthy(`);
    this.compileLoose(node, frame);
    this._emit(')');
  }

  compileOutput(node: NjNode, frame: NjFrame): void {
    for (const child of node.children) {
      if (child.typename === 'TemplateData') {
        if (child.value) {
          this._emit(`${this.buffer} += `);
          this.compileLiteral(child, frame);
          this._emitLine(';');
        }
      } else {
        this.emitLine(child);
        this._emit(`${this.buffer} += ${T}.print(`);
        this.compile(child, frame);
        this._emitLine(');');
      }
    }
  }

  compileIf(node: NjNode, frame: NjFrame): void {
    this.emitLine(node);
    this._emit('if(');
    this.compileCondition(node.cond, frame);
    this._emitLine(') {');
    this._withScopedSyntax(() => this.compile(node.body, frame));
    if (node.else_) {
      const otherwise = node.else_;
      this._emitLine('}\nelse {');
      this._withScopedSyntax(() => this.compile(otherwise, frame));
    }
    this._emitLine('}');
  }

  compileInlineIf(node: NjNode, frame: NjFrame): void {
    this._emit('(');
    this.compileCondition(node.cond, frame);
    this._emit(' ? ');
    this.compile(node.body, frame);
    this._emit(' : ');
    if (node.else_) this.compile(node.else_, frame);
    else this._emit('""');
    this._emit(')');
  }

  compileOr(node: NjNode, frame: NjFrame): void {
    this.compileLogic(node, frame, '||');
  }

  compileAnd(node: NjNode, frame: NjFrame): void {
    this.compileLogic(node, frame, '&&');
  }

  private compileLogic(node: NjNode, frame: NjFrame, op: string): void {
    this._emit('(');
    this.compileCondition(node.left, frame);
    this._emit(` ${op} `);
    this.compileCondition(node.right, frame);
    this._emit(')');
  }

  compileNot(node: NjNode, frame: NjFrame): void {
    this._emit('!');
    this.compileCondition(node.target, frame);
  }

  compileIn(node: NjNode, frame: NjFrame): void {
    this.emitCall('inOp', [node.left, node.right], frame);
  }

  compileCompare(node: NjNode, frame: NjFrame): void {
    this._emit(`${T}.compare(`.repeat(node.ops.length));
    this.compile(node.expr, frame);
    for (const op of node.ops) {
      this._emit(`, ${JSON.stringify(op.type)}, `);
      this.compile(op.expr, frame);
      this._emit(')');
    }
  }

  compileAdd(node: NjNode, frame: NjFrame): void {
    this.compileMath(node, frame, '+');
  }
  compileSub(node: NjNode, frame: NjFrame): void {
    this.compileMath(node, frame, '-');
  }
  compileMul(node: NjNode, frame: NjFrame): void {
    this.compileMath(node, frame, '*');
  }
  compileDiv(node: NjNode, frame: NjFrame): void {
    this.compileMath(node, frame, '/');
  }
  compileMod(node: NjNode, frame: NjFrame): void {
    this.compileMath(node, frame, '%');
  }
  compileFloorDiv(node: NjNode): void {
    this.fail("Tera has no '//' operator", node.lineno, node.colno);
  }
  compilePow(node: NjNode): void {
    this.fail("Tera has no '**' operator", node.lineno, node.colno);
  }

  private compileMath(node: NjNode, frame: NjFrame, op: string): void {
    // nunjucks binds `a * b | round` as `a * (b | round)`; Tera filters the whole `a * b`.
    if (node.right.typename === 'Filter') {
      let innermost = node.right;
      while (innermost.args.children[0].typename === 'Filter')
        innermost = innermost.args.children[0];
      const outer = node.right;
      node.right = innermost.args.children[0];
      innermost.args.children[0] = node;
      this.compile(outer, frame);
      return;
    }
    this._emit(`${T}.math(${JSON.stringify(op)}, `);
    this.compile(node.left, frame);
    this._emit(', ');
    this.compile(node.right, frame);
    this._emit(')');
  }

  compileNeg(node: NjNode, frame: NjFrame): void {
    this.emitCall('neg', [node.target], frame);
  }

  compilePos(node: NjNode, frame: NjFrame): void {
    this.emitCall('neg', [node.target], frame);
    this._emit(' * -1');
  }

  compileConcat(node: NjNode, frame: NjFrame): void {
    this.emitCall('concat', [node.left, node.right], frame);
  }

  private emitCall(fn: string, args: NjNode[], frame: NjFrame): void {
    this._emit(`${T}.${fn}(`);
    args.forEach((arg, i) => {
      if (i > 0) this._emit(', ');
      this.compile(arg, frame);
    });
    this._emit(')');
  }

  /** Splits call arguments; Tera filters and functions only take `name=value` arguments. */
  private namedArgs(node: NjNode, args: NjNode[], what: string, name: string): NjNode | undefined {
    const positional = args.filter((a) => a.typename !== 'KeywordArgs');
    if (positional.length > 0) {
      const example = NAMED_ARG_EXAMPLES[name];
      this.fail(
        `${what} '${name}' takes named arguments only${example ? `, e.g. ${example}` : ''}`,
        node.lineno,
        node.colno,
      );
    }
    return args.find((a) => a.typename === 'KeywordArgs');
  }

  private emitNamedArgs(kwargs: NjNode | undefined, frame: NjFrame): void {
    if (kwargs) this.compileDict(kwargs, frame);
    else this._emit('{}');
  }

  compileFilter(node: NjNode, frame: NjFrame): void {
    const name = String(node.name.value);
    if (name !== 'default' && !Object.prototype.hasOwnProperty.call(FILTERS, name)) {
      this.fail(`unknown filter '${name}'`, node.lineno, node.colno);
    }
    const [value, ...rest] = node.args.children;
    const kwargs = this.namedArgs(node, rest, 'filter', name);
    if (name === 'default') {
      // Tera only honours `default` directly on a variable; anywhere else it is a no-op.
      if (!isLookup(value)) {
        this.compile(value, frame);
        return;
      }
      this._emit(`${T}.defaultFilter(`);
      this.compileLoose(value, frame);
      this._emit(', ');
      this.emitNamedArgs(kwargs, frame);
      this._emit(')');
      return;
    }
    this._emit(`${T}.filter(${JSON.stringify(name)}, `);
    this.compile(value, frame);
    this._emit(', ');
    this.emitNamedArgs(kwargs, frame);
    this._emit(')');
  }

  compileFilterAsync(node: NjNode): void {
    this.fail('asynchronous filters are not supported', node.lineno, node.colno);
  }

  compileFunCall(node: NjNode, frame: NjFrame): void {
    const name = node.name.typename === 'Symbol' ? String(node.name.value) : pathOf(node.name);
    if (node.name.typename !== 'Symbol' || !Object.prototype.hasOwnProperty.call(FUNCTIONS, name)) {
      this.fail(`unknown function '${name}'`, node.lineno, node.colno);
    }
    const kwargs = this.namedArgs(node, node.args.children, 'function', name);
    this._emit(
      `(lineno = ${node.lineno}, colno = ${node.colno}, ${T}.call(${JSON.stringify(name)}, `,
    );
    this.emitNamedArgs(kwargs, frame);
    this._emit('))');
  }

  compileIs(node: NjNode, frame: NjFrame): void {
    const right = node.right;
    const name = String(right.typename === 'FunCall' ? right.name.value : right.value);
    if (!Object.prototype.hasOwnProperty.call(TESTS, name)) {
      this.fail(`unknown test '${name}'`, node.lineno, node.colno);
    }
    this._emit(`${T}.test(${JSON.stringify(name)}, `);
    this.compileLoose(node.left, frame);
    this._emit(', ');
    if (right.typename === 'FunCall') this._compileAggregate(right.args, frame, '[', ']');
    else this._emit('[]');
    this._emit(')');
  }

  override compileFor(node: NjNode, frame: NjFrame): void {
    this.emitLine(node);
    const original = node.arr;
    const wrapped: Partial<IterableNode> = {
      typename: 'TeraIterable',
      lineno: original.lineno,
      colno: original.colno,
      inner: original,
      withKey: node.name.typename === 'Array',
    };
    node.arr = wrapped as IterableNode;
    try {
      super.compileFor(node, frame);
    } finally {
      node.arr = original;
    }
  }

  compileTeraIterable(node: IterableNode, frame: NjFrame): void {
    this._emit(`${T}.iterable(`);
    this.compile(node.inner, frame);
    this._emit(`, ${node.withKey})`);
  }

  override compileSet(node: NjNode, frame: NjFrame): void {
    this.emitLine(node);
    super.compileSet(node, frame);
  }

  override assertType(node: NjNode, ...types: unknown[]): void {
    if (node.typename !== 'TeraIterable') super.assertType(node, ...types);
  }
}

export interface CompiledTemplate {
  root: unknown;
  [block: string]: unknown;
}

/** Parses and compiles a template; throws nunjucks' TemplateError (with a line) on bad syntax. */
export function compileTera(source: string): CompiledTemplate {
  const ast = new TeraParser(lexer.lex(source, {})).parseAsRoot();
  const compiler = new TeraCompiler('template', false);
  compiler.compile(transform(ast, [], 'template'));
  // nunjucks' own way of turning generated code into a template (Environment#_compile).
  return new Function(compiler.getCode())() as CompiledTemplate;
}
