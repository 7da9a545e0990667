// The compiled form of an expansion string. compileExpansion() builds it once
// per distinct text; evaluate.ts walks it as often as needed.
//
// A syntax error does not abort compilation: the parser emits an `error` node
// at the place where Exim would have stopped, so that errors that Exim meets
// earlier while evaluating left to right (an unknown variable, a failing
// lookup) still win, exactly as in Exim's single-pass expander.

/** A sequence of nodes whose values are concatenated. */
export type Seq = Node[];

export interface LiteralNode { k: 'lit'; s: string }
/** $name or ${name}. */
export interface VarNode { k: 'var'; name: string; braced: boolean }
/** $header_x: and friends; kind selects decoding (see headers.ts). */
export interface HeaderNode { k: 'hdr'; kind: HeaderKind; name: string }
export type HeaderKind = 'h' | 'bh' | 'rh' | 'lh';
/** ${op:subject} or ${op_N_M:subject}. */
export interface OperatorNode { k: 'op'; name: string; base: string; arg?: string; sub: Seq }
/** ${item{arg}{arg}...} in general form; `fail` set when the keyword followed. */
export interface ItemNode {
  k: 'item';
  name: string;
  /** item-specific words before the arguments (lookup type, extract json, run options) */
  word?: string;
  args: Seq[];
  fail: boolean;
  /** a syntax error after the arguments: raised once they have been used, as Exim would */
  tailError?: string;
  /** ${filter}'s condition */
  cond?: Cond;
  /** ${run} without preexpand splits its command's raw text: kept here */
  raw?: string;
}
export interface IfNode { k: 'if'; cond: Cond; yes?: Seq; no?: Seq; fail: boolean; tailError?: string }
export interface LookupNode {
  k: 'lookup';
  /** the type text as written, with prefixes, suffixes and options: "partial2-lsearch*@,ret=key" */
  spec: string;
  key?: Seq;
  query: Seq; // file (single-key) or query (query style)
  yes?: Seq;
  no?: Seq;
  fail: boolean;
  tailError?: string;
}
/** A place where Exim's parser would have stopped with an error. */
export interface ErrorNode { k: 'error'; msg: string; /** a lookup type problem (LookupFailure) */ lookup?: boolean }

export type Node = LiteralNode | VarNode | HeaderNode | OperatorNode | ItemNode | IfNode | LookupNode | ErrorNode;

// Conditions.
export interface NotCond { c: '!'; sub: Cond }
/** and/or with their sub-conditions */
export interface CombineCond { c: 'and' | 'or'; subs: Cond[] }
/** def:name (variable) or def:h_name: (header) */
export interface DefCond { c: 'def'; name: string; header?: { kind: HeaderKind; name: string } }
/** conditions with no argument (first_delivery, queue_running) */
export interface BareCond { c: 'first_delivery' | 'queue_running' }
/** forall/forany family: a list and a condition applied to each $item. */
export interface IterCond { c: 'forall' | 'forany' | 'forall_json' | 'forany_json' | 'forall_jsons' | 'forany_jsons'; list: Seq; sub: Cond }
/** Every other condition: a name and its brace arguments. */
export interface ArgsCond { c: 'args'; name: string; args: Seq[] }
/** saslauthd's and acl's {{a}{b}} form: arguments inside one outer brace. */
export interface NestedArgsCond { c: 'nested'; name: string; args: Seq[] }
export interface ErrorCond { c: 'error'; msg: string }

export type Cond = NotCond | CombineCond | DefCond | BareCond | IterCond | ArgsCond | NestedArgsCond | ErrorCond;

/** A compiled expansion: the sequence plus facts used by fast paths. */
export interface Expansion {
  text: string;
  seq: Seq;
  /** true when the text has no $ or \ at all: the result is the text. */
  literal: boolean;
}
