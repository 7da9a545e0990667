// ${acl{name}{args...}} and the acl condition call an ACL through the hook
// the ACL subsystem installs; $acl_arg1..9 and $acl_narg are set for the call
// and restored afterwards (calls nest).

import type { AclHookResult, VarValue } from './context.ts';
import { ExpandError } from './errors.ts';
import type { EvalState } from './evaluate.ts';

/** Exim's failure text for an ACL that neither accepted nor denied: "DEFER from acl \"x\"". */
export function aclFailureText(result: AclHookResult, name: string): string {
  const rc = result === 'defer' ? 'DEFER' : result === 'drop' ? 'FAIL_DROP' : 'ERROR';
  return `${rc} from acl "${name}"`;
}

export function runAclHook(name: string, args: string[], st: EvalState): { result: AclHookResult; message?: string } {
  const run = st.ctx.hooks.runAcl;
  if (!run) throw new ExpandError(`cannot run ACL "${name}": no ACLs are available here`);
  const vars = st.ctx.vars;
  const names = ['acl_narg', ...Array.from({ length: 9 }, (_, i) => `acl_arg${i + 1}`)];
  const saved = new Map<string, VarValue | undefined>(names.map((n) => [n, vars.get(n)]));
  try {
    vars.set('acl_narg', { value: String(args.length), tainted: false });
    for (let i = 0; i < 9; i++) vars.set(`acl_arg${i + 1}`, { value: args[i] ?? '', tainted: false });
    return run(name, args, st.ctx);
  } finally {
    for (const [n, v] of saved) {
      if (v === undefined) vars.delete(n);
      else vars.set(n, v);
    }
  }
}
