// Typings for the parts of nunjucks' internals the Tera compiler builds on. They are not part of
// @types/nunjucks; only what tera-compiler.ts uses is declared.
declare module 'nunjucks/src/nodes' {
  export interface NjNode {
    typename: string;
    lineno: number;
    colno: number;
    value?: unknown;
    children: NjNode[];
    target: NjNode;
    val: NjNode;
    left: NjNode;
    right: NjNode;
    cond: NjNode;
    body: NjNode;
    else_: NjNode | null;
    name: NjNode;
    args: NjNode;
    arr: NjNode;
    expr: NjNode;
    ops: NjNode[];
    type: string;
  }
  export interface NjFrame {
    lookup(name: string): string | undefined;
  }
  export class Literal {
    constructor(lineno: number, colno: number, value: unknown);
  }
  export class BinOp {
    constructor(lineno: number, colno: number, left: unknown, right: unknown);
  }
  export class Add extends BinOp {}
  export class Sub extends BinOp {}
  export class Mul extends BinOp {}
  export class Div extends BinOp {}
  export class Mod extends BinOp {}
  export class FloorDiv extends BinOp {}
  export class Pow extends BinOp {}
  export class FunCall {
    constructor(lineno: number, colno: number, name: unknown, args: unknown);
  }
  export class LookupVal {
    constructor(lineno: number, colno: number, target: unknown, val: unknown);
  }
}

declare module 'nunjucks/src/lexer' {
  export interface NjToken {
    type: string;
    value: string;
    lineno: number;
    colno: number;
  }
  export interface NjTokenizer {
    readonly __tokenizer: true;
  }
  export function lex(src: string, opts?: object): NjTokenizer;
  export const TOKEN_INT: string;
  export const TOKEN_FLOAT: string;
  export const TOKEN_SYMBOL: string;
  export const TOKEN_OPERATOR: string;
  export const TOKEN_LEFT_PAREN: string;
  export const TOKEN_LEFT_BRACKET: string;
}

declare module 'nunjucks/src/parser' {
  import type { NjNode } from 'nunjucks/src/nodes';
  import type { NjToken, NjTokenizer } from 'nunjucks/src/lexer';
  export class Parser {
    constructor(tokens: NjTokenizer);
    peekToken(): NjToken | null;
    nextToken(): NjToken;
    fail(msg: string, lineno?: number, colno?: number): never;
    parseSignature(): NjNode;
    parseAggregate(): NjNode;
    parseAsRoot(): NjNode;
    parsePostfix(node: NjNode): NjNode;
    parseAdd(): NjNode;
    parseMul(): NjNode;
    parseUnary(noFilters?: boolean): NjNode;
  }
}

declare module 'nunjucks/src/transformer' {
  import type { NjNode } from 'nunjucks/src/nodes';
  export function transform(ast: NjNode, asyncFilters: string[], name: string): NjNode;
}

declare module 'nunjucks/src/compiler' {
  import type { NjFrame, NjNode } from 'nunjucks/src/nodes';
  export class Compiler {
    constructor(templateName: string, throwOnUndefined: boolean);
    buffer: string;
    compile(node: NjNode, frame?: NjFrame): void;
    fail(msg: string, lineno?: number, colno?: number): never;
    getCode(): string;
    assertType(node: NjNode, ...types: unknown[]): void;
    compileLiteral(node: NjNode, frame: NjFrame): void;
    compileDict(node: NjNode, frame: NjFrame): void;
    compileFor(node: NjNode, frame: NjFrame): void;
    compileSet(node: NjNode, frame: NjFrame): void;
    _emit(code: string): void;
    _emitLine(code: string): void;
    _compileAggregate(node: NjNode, frame: NjFrame, startChar?: string, endChar?: string): void;
    _withScopedSyntax(func: () => void): void;
  }
}
