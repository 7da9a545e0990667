// Address rewriting by the rules of "begin rewrite" (and, later, a
// transport's headers_rewrite): one address at a time, or a header line.

export { rewriteAddress, type RewriteEnv, type RewriteResult } from './engine.ts';
export { rewriteHeaderLine } from './header.ts';
export { matchRewritePattern } from './pattern.ts';
export { ruleAppliesTo, headerWhere, type RewriteWhere } from './where.ts';
export { rewriteSmtpData } from './smtp.ts';
export { placeAmongFixups, rewriteEnvelope, type RewrittenEnvelope } from './reception.ts';
export type { HeaderQualify } from './header.ts';
