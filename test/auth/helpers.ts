// Driving server authenticators through their interface, as the SMTP session does.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, type Config } from '../../src/config/index.ts';
import { newContext, type ExpandContext } from '../../src/expand/context.ts';
import type { AuthIo, AuthOutcome, ServerAuthenticator } from '../../src/auth/index.ts';

export function configFrom(text: string): Config {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tern-auth-'));
  const file = path.join(dir, 'configure');
  fs.writeFileSync(file, text);
  try {
    return loadConfig(file);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export const b64 = (s: string): string => Buffer.from(s, 'latin1').toString('base64');
export const unb64 = (s: string): string => Buffer.from(s, 'base64').toString('latin1');

/** A scripted client: each challenge is recorded (decoded) and answered by the next reply (null = "*"). */
export class ScriptedClient implements AuthIo {
  readonly prompts: string[] = [];
  private readonly replies: (string | null | ((prompt: string) => string | null))[];
  constructor(replies: (string | null | ((prompt: string) => string | null))[]) {
    this.replies = [...replies];
  }
  async challenge(base64Text: string): Promise<string | null> {
    const prompt = unb64(base64Text);
    this.prompts.push(prompt);
    if (this.replies.length === 0) throw new Error(`unexpected challenge ${JSON.stringify(prompt)}`);
    const r = this.replies.shift()!;
    return typeof r === 'function' ? r(prompt) : r;
  }
}

export function sessionContext(): ExpandContext {
  return newContext();
}

export async function run(auth: ServerAuthenticator, initial: string | undefined, replies: ConstructorParameters<typeof ScriptedClient>[0] = [], ctx = sessionContext()): Promise<{ outcome: AuthOutcome; client: ScriptedClient; ctx: ExpandContext }> {
  const client = new ScriptedClient(replies);
  const outcome = await auth.serve(client, initial, ctx);
  return { outcome, client, ctx };
}
