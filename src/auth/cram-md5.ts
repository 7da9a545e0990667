// The cram_md5 authenticator, server side (RFC 2195). The client answers
// the challenge with "user digest", digest being the lower-case hex
// HMAC-MD5 of the challenge keyed by the secret that server_secret gives
// for $auth1.

import crypto from 'node:crypto';
import type { Config, DriverInstance } from '../config/index.ts';
import { optionString } from '../config/index.ts';
import type { ExpandContext } from '../expand/context.ts';
import { decodeBytes, encodeBytes } from '../expand/operators/bytes.ts';
import { askClient, checkServerCondition, driverOption, GenericServer, setAuthVars, tryExpand, withSetId } from './common.ts';
import type { AuthIo, AuthOutcome } from './types.ts';

/** HMAC-MD5 of challenge keyed by secret, as the client must send it (lower-case hex). */
export function cramDigest(secret: string, challenge: string): string {
  return crypto.createHmac('md5', encodeBytes(secret)).update(encodeBytes(challenge)).digest('hex');
}

const isSpaceByte = (b: number): boolean => b === 0x20 || (b >= 0x09 && b <= 0x0d);

export class CramMd5Server extends GenericServer {
  readonly implemented = true;
  private readonly secret: string;
  private readonly hostname: () => string;

  constructor(inst: DriverInstance, config: Config) {
    super(inst);
    this.secret = driverOption(inst, 'server_secret') ?? '';
    this.hostname = () => optionString(config, 'primary_hostname');
  }

  /** A cram_md5 instance is a server when server_secret is set. */
  static isServer(inst: DriverInstance): boolean {
    return driverOption(inst, 'server_secret') !== undefined;
  }

  /**
   * Exim's challenge is <pid.time@primary_hostname>; tern's worker processes
   * serve many sessions each, so a random number takes the pid's place.
   */
  makeChallenge(): string {
    return `<${crypto.randomInt(1, 2 ** 31 - 1)}.${Math.floor(Date.now() / 1000)}@${this.hostname()}>`;
  }

  async serve(io: AuthIo, initialResponse: string | undefined, ctx: ExpandContext): Promise<AuthOutcome> {
    setAuthVars(ctx, []);
    if (initialResponse !== undefined && initialResponse !== '') return { result: 'unexpected' };
    const challenge = this.makeChallenge();
    const data = await askClient(io, challenge);
    if (!Buffer.isBuffer(data)) return data;
    const outcome = await this.check(data, challenge, ctx);
    return withSetId(outcome, this.generic.setId, ctx);
  }

  private async check(data: Buffer, challenge: string, ctx: ExpandContext): Promise<AuthOutcome> {
    // The user name runs to the first white space; the digest is the rest.
    let space = 0;
    while (space < data.length && !isSpaceByte(data[space])) space++;
    setAuthVars(ctx, [decodeBytes(data.subarray(0, space))]);
    if (space >= data.length) return { result: 'fail' };
    const given = data.subarray(space + 1).toString('latin1');
    if (!/^[0-9a-f]{32}$/.test(given)) return { result: 'fail' };
    const secret = await tryExpand(this.secret, ctx);
    if (!secret.ok) return secret.forced ? { result: 'fail' } : { result: 'defer', message: secret.message };
    const want = cramDigest(secret.value, challenge);
    if (!crypto.timingSafeEqual(Buffer.from(want), Buffer.from(given))) return { result: 'fail' };
    return checkServerCondition(this.generic.serverCondition, ctx);
  }
}
