// The checks a configuration gets before tern relies on it (-bV, and the
// daemon at start and on reload): every expandable option compiles and every
// ACL compiles, so errors are reported with file and line up front.

import type { Config } from '../config/index.ts';
import { validateExpansions, type CompileExpansion } from '../config/validate-expansions.ts';

export async function checkConfig(cfg: Config): Promise<void> {
  const [expand, acl] = await Promise.all([import('../expand/index.ts'), import('../acl/compile.ts')]);
  validateExpansions(cfg, expand.compileExpansion as CompileExpansion);
  acl.compileAcls(cfg);
}
