// The spam condition's results that Exim keeps with the message in its -H
// file (-spam_bar, -spam_score, -spam_score_int; not $spam_report), taken
// from the expansion variables once the ACLs have run. Kept apart from the
// condition so that the receiving code does not load the scanners.

import type { VarValue } from '../expand/context.ts';

export interface SavedSpamVariables {
  spamBar?: string;
  spamScore?: string;
  spamScoreInt?: string;
}

export function savedSpamVariables(vars: ReadonlyMap<string, VarValue>): SavedSpamVariables {
  const get = (name: string): string | undefined => vars.get(name)?.value || undefined;
  return { spamBar: get('spam_bar'), spamScore: get('spam_score'), spamScoreInt: get('spam_score_int') };
}
