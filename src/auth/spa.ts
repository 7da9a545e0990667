// The spa authenticator, server side: Microsoft's NTLM (version 1) as
// Exim's spa driver does it. The client sends a negotiate message (on the
// AUTH line, or after "334 NTLM supported"), the server answers with an
// 8-byte random challenge, and the client's authenticate message carries
// the user name and the NT response: the challenge DES-encrypted under the
// MD4 hash of the password. server_password gives the password for $auth1
// (also $1); the server computes the response itself and compares.
// Every malformed message fails the attempt (535), as with Exim.

import crypto from 'node:crypto';
import type { DriverInstance } from '../config/index.ts';
import type { ExpandContext } from '../expand/context.ts';
import { encodeBytes } from '../expand/operators/bytes.ts';
import { decodeAuthBase64 } from './base64.ts';
import { checkServerCondition, driverOption, GenericServer, setAuthVars, tryExpand, withSetId } from './common.ts';
import { md4 } from './md4.ts';
import type { AuthIo, AuthOutcome } from './types.ts';

/** Sizes of Exim's fixed message structures (header, 1024-byte buffer, index): longer messages are refused. */
const REQUEST_SIZE = 32 + 1024 + 4;
const RESPONSE_SIZE = 64 + 1024 + 4;
/** Where the authenticate message's security buffers (length, room, offset) sit. */
const NT_RESPONSE_AT = 20;
const USER_AT = 36;

/** Spread 7 key bytes over 8, one 7-bit group per byte (DES ignores the low bit). */
function desKey(seven: Uint8Array): Buffer {
  const k = Buffer.alloc(8);
  let bits = 0n;
  for (const b of seven) bits = (bits << 8n) | BigInt(b);
  for (let i = 0; i < 8; i++) k[i] = Number((bits >> BigInt(49 - 7 * i)) & 0x7fn) << 1;
  return k;
}

/** Single DES on one block: triple DES with three equal keys is single DES (Node offers no plain DES). */
function desEncrypt(key8: Buffer, block: Buffer): Buffer {
  const c = crypto.createCipheriv('des-ede3-ecb', Buffer.concat([key8, key8, key8]), null);
  c.setAutoPadding(false);
  return c.update(block);
}

/** The NT hash: MD4 of the password's bytes as 16-bit little-endian units (at most 128 of them, as Exim takes). */
export function ntHash(password: string): Buffer {
  const bytes = encodeBytes(password).subarray(0, 128);
  const wide = Buffer.alloc(bytes.length * 2);
  for (let i = 0; i < bytes.length; i++) wide[2 * i] = bytes[i];
  return md4(wide);
}

/** The 24-byte NTLMv1 response to an 8-byte challenge: three DES blocks keyed by the zero-padded hash. */
export function ntResponse(password: string, challenge: Buffer): Buffer {
  const key21 = Buffer.alloc(21);
  ntHash(password).copy(key21);
  return Buffer.concat([0, 7, 14].map((at) => desEncrypt(desKey(key21.subarray(at, at + 7)), challenge)));
}

/** The challenge message (type 2) Exim sends: 48 bytes, flags 0x8201, no target name. */
export function challengeMessage(challenge: Buffer): Buffer {
  const m = Buffer.alloc(48);
  m.write('NTLMSSP\0', 0, 'latin1');
  m.writeUInt32LE(2, 8);
  m.writeUInt32LE(0x2800, 16); // Exim's (unused) target name offset
  m.writeUInt32LE(0x00008201, 20);
  challenge.copy(m, 24);
  return m;
}

/** A security buffer of the authenticate message: [offset, length], or undefined if it reaches past Exim's structure. */
function field(msg: Buffer, at: number, span: (len: number) => number): [number, number] | undefined {
  const len = msg.readUInt16LE(at);
  const offset = msg.readUInt32LE(at + 4);
  if (offset + span(len) >= RESPONSE_SIZE) return undefined;
  return [offset, len];
}

/** The byte at i of a message held in Exim's zeroed fixed-size structure. */
const byteAt = (msg: Buffer, i: number): number => (i < msg.length ? msg[i] : 0);

export class SpaServer extends GenericServer {
  readonly implemented = true;
  private readonly password: string;

  constructor(inst: DriverInstance) {
    super(inst);
    this.password = driverOption(inst, 'server_password') ?? '';
  }

  /** A spa instance is a server when server_password is set. */
  static isServer(inst: DriverInstance): boolean {
    return driverOption(inst, 'server_password') !== undefined;
  }

  async serve(io: AuthIo, initialResponse: string | undefined, ctx: ExpandContext): Promise<AuthOutcome> {
    setAuthVars(ctx, []);
    const saved = ctx.numericVars;
    try {
      const outcome = await this.exchange(io, initialResponse, ctx);
      return await withSetId(outcome, this.generic.setId, ctx);
    } finally {
      ctx.numericVars = saved;
    }
  }

  private async exchange(io: AuthIo, initialResponse: string | undefined, ctx: ExpandContext): Promise<AuthOutcome> {
    let text = initialResponse ?? '';
    if (text === '') {
      const r = await io.challenge('NTLM supported');
      if (r === null) return { result: 'fail' };
      text = r;
    }
    const request = decodeAuthBase64(text);
    if (!request || request.length > REQUEST_SIZE) return { result: 'fail' };

    const challenge = crypto.randomBytes(8);
    const answer = await io.challenge(challengeMessage(challenge).toString('base64'));
    if (answer === null) return { result: 'fail' };
    const response = decodeAuthBase64(answer);
    if (!response || response.length > RESPONSE_SIZE) return { result: 'fail' };
    const msg = Buffer.alloc(RESPONSE_SIZE);
    response.copy(msg);

    // The user name: UTF-16LE, of which Exim keeps the low 7 bits of each unit's first byte.
    const user = field(msg, USER_AT, (len) => (len >> 1) * 2);
    if (!user) return { result: 'fail' };
    let name = '';
    for (let i = 0; i < user[1] >> 1; i++) name += String.fromCharCode(byteAt(msg, user[0] + 2 * i) & 0x7f);
    setAuthVars(ctx, [name]);
    // The old way to the user name, still honoured: $1.
    ctx.numericVars = { caps: [undefined, name], tainted: true };

    const secret = await tryExpand(this.password, ctx);
    // Exim's spa driver does not pass the expansion error on: its log line says "reason not recorded".
    if (!secret.ok) return secret.forced ? { result: 'fail' } : { result: 'defer', message: 'reason not recorded' };
    const nt = field(msg, NT_RESPONSE_AT, () => 24);
    if (!nt) return { result: 'fail' };
    const given = msg.subarray(nt[0], nt[0] + 24);
    if (!crypto.timingSafeEqual(ntResponse(secret.value, challenge), given)) return { result: 'fail' };
    return checkServerCondition(this.generic.serverCondition, ctx);
  }
}
