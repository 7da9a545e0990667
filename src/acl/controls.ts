// control = ...: each control is recorded on the connection or message
// state for the SMTP server and reception to honour. Which ACLs may use
// which control, and the error texts, follow Exim.

import { splitList } from '../lists/index.ts';
import { getVar, setVar, trace, type Rc, type RunState } from './state.ts';
import { findControl, WHERE_NAMES } from './tables.ts';
import type { AclControls } from './types.ts';

/** DSCP names Exim knows (-bI:dscp), with their values. */
const DSCP_NAMES: Record<string, number> = {
  af11: 10, af12: 12, af13: 14, af21: 18, af22: 20, af23: 22, af31: 26, af32: 28, af33: 30,
  af41: 34, af42: 36, af43: 38, ef: 46, lowcost: 0x02, lowdelay: 0x10, mincost: 0x02,
  reliability: 0x04, throughput: 0x08,
};

export const DEFAULT_FAKE_RESPONSE = 'Your message has been rejected but is being kept for evaluation.\n'
  + 'If it was a legitimate message, it may still be delivered to the target recipient(s).';

export function applyControl(st: RunState, arg: string): Rc {
  const def = findControl(arg);
  const syntax = (): Rc => {
    st.logMsg = `syntax error in "control=${arg}"`;
    return 'ERROR';
  };
  if (!def) return syntax();
  const c = arg[def.name.length];
  if (c !== undefined && (!def.hasOption || (c !== '/' && c !== '_'))) return syntax();
  if (def.forbids.has(st.where)) {
    st.logMsg = `cannot use "control=${def.name}" in ${WHERE_NAMES[st.where]} ACL`;
    return 'ERROR';
  }
  let p = arg.slice(def.name.length);
  const conn = st.actx.conn.controls;
  const msg = st.actx.msg.controls;
  switch (def.name) {
    case 'allow_auth_unadvertised':
      conn.allowAuthUnadvertised = true;
      break;
    case 'caseful_local_part':
    case 'caselower_local_part': {
      const lp = getVar(st, 'local_part') ?? '';
      const original = st.actx.recipient ? st.actx.recipient.slice(0, Math.max(0, st.actx.recipient.lastIndexOf('@'))) : lp;
      const caseful = def.name === 'caseful_local_part';
      setVar(st, 'local_part', caseful ? original || lp : lp.toLowerCase(), true);
      msg.casefulLocalPart = caseful;
      msg.caselowerLocalPart = !caseful;
      break;
    }
    case 'cutthrough_delivery': {
      let ignored: string | undefined;
      const rcptCount = Number(getVar(st, 'rcpt_count') ?? '1');
      if (msg.freeze) ignored = 'frozen';
      else if (msg.queue) ignored = 'queue-only';
      else if (msg.fakeReject !== undefined) ignored = 'fakereject';
      else if (rcptCount !== 1) ignored = 'nonfirst rcpt';
      else if (msg.cutthroughDelivery) ignored = 'repeated';
      else {
        const opts: NonNullable<AclControls['cutthroughDelivery']> = {};
        for (const o of p.split('/').slice(1)) {
          if (o === 'defer=pass') opts.defer = 'pass';
          else if (o === 'defer=spool') opts.defer = 'spool';
        }
        msg.cutthroughDelivery = opts;
      }
      if (ignored) trace(st, ` cutthrough request ignored on ${ignored} item`);
      break;
    }
    case 'debug': {
      const d: NonNullable<AclControls['debug']> = {};
      for (const o of splitList(p, '/')) {
        if (o.startsWith('tag=')) d.tag = o.slice(4);
        else if (o.startsWith('opts=')) d.opts = o.slice(5);
        else if (o.startsWith('kill')) d.kill = true;
        else if (o.startsWith('stop')) d.stop = true;
        else if (o.startsWith('pretrigger=')) d.pretrigger = Number.parseInt(o.slice(11), 10) || 0;
        else if (o.startsWith('trigger=')) d.trigger = o.slice(8);
      }
      conn.debug = d;
      break;
    }
    case 'dkim_disable_verify':
      msg.dkimDisableVerify = true;
      break;
    case 'dmarc_disable_verify':
      msg.dmarcDisableVerify = true;
      break;
    case 'dmarc_enable_forensic':
      msg.dmarcEnableForensic = true;
      break;
    case 'dscp': {
      if (!p.startsWith('/')) return syntax();
      const v = p.slice(1);
      const n = /^(0x[0-9a-f]+|[0-9]+)$/i.test(v) ? Number(v) : DSCP_NAMES[v.toLowerCase()];
      if (n === undefined || Number.isNaN(n) || n < 0 || n > 0x3f) {
        st.logMsg = `unrecognised DSCP value in "control=${arg}"`;
        return 'ERROR';
      }
      conn.dscp = v;
      break;
    }
    case 'enforce_sync':
      conn.enforceSync = true;
      break;
    case 'no_enforce_sync':
      conn.enforceSync = false;
      break;
    case 'fakedefer':
    case 'fakereject':
      msg.fakeDefer = undefined;
      msg.fakeReject = undefined;
      if (def.name === 'fakereject') msg.fakeReject = p.startsWith('/') ? p.slice(1) : DEFAULT_FAKE_RESPONSE;
      else msg.fakeDefer = p.startsWith('/') ? p.slice(1) : DEFAULT_FAKE_RESPONSE;
      if (def.name === 'fakereject') msg.cutthroughDelivery = undefined;
      break;
    case 'freeze': {
      let noTell = false;
      if (p.startsWith('/no_tell')) {
        noTell = true;
        p = p.slice(8);
      }
      if (p) return syntax();
      // freeze_tell is skipped only when every freeze obeyed for the message said /no_tell
      msg.freeze = { noTell: noTell && (msg.freeze?.noTell ?? true) };
      msg.cutthroughDelivery = undefined;
      break;
    }
    case 'no_callout_flush':
      conn.noCalloutFlush = true;
      break;
    case 'no_delay_flush':
      conn.noDelayFlush = true;
      break;
    case 'no_mbox_unspool':
      msg.noMboxUnspool = true;
      break;
    case 'no_multiline_responses':
      conn.noMultilineResponses = true;
      break;
    case 'no_pipelining':
      conn.noPipelining = true;
      break;
    case 'queue': {
      const q = { firstPassRoute: false, only: true };
      if (p !== '_only') {
        while (p.startsWith('/')) {
          if (p.startsWith('/only')) {
            q.firstPassRoute = false;
            p = p.slice(5);
          } else if (p.startsWith('/first_pass_route')) {
            q.firstPassRoute = true;
            p = p.slice(17);
          } else break;
        }
      }
      msg.queue = q;
      break;
    }
    case 'submission': {
      const sub: NonNullable<AclControls['submission']> = { senderRetain: false };
      while (p.startsWith('/')) {
        if (p.startsWith('/sender_retain')) {
          sub.senderRetain = true;
          p = p.slice(14);
        } else if (p.startsWith('/domain=')) {
          const end = p.indexOf('/', 8);
          sub.domain = end < 0 ? p.slice(8) : p.slice(8, end);
          p = end < 0 ? '' : p.slice(end);
        } else if (p.startsWith('/name=')) {
          sub.name = p.slice(6);
          p = '';
        } else break;
      }
      if (p) return syntax();
      msg.submission = sub;
      break;
    }
    case 'suppress_local_fixups':
      msg.suppressLocalFixups = true;
      break;
    case 'utf8_downconvert': {
      if (p === '') msg.utf8Downconvert = '1';
      else if (p === '/1' || p === '/0' || p === '/-1') msg.utf8Downconvert = p.slice(1);
      else {
        st.logMsg = 'bad option value for control=utf8_downconvert';
        return 'ERROR';
      }
      break;
    }
    case 'wellknown': {
      if (!p.startsWith('/') || p.length === 1) return 'FAIL';
      msg.wellknown = p.slice(1);
      break;
    }
  }
  return 'OK';
}
