import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { loadConfig, ConfigError, type Config } from '../../src/config/index.ts';
import { writeFiles } from './helpers.ts';

function load(text: string, macros = new Map<string, string>()): Config {
  const dir = writeFiles({ 'c.conf': text });
  return loadConfig(path.join(dir, 'c.conf'), macros);
}

/** The error's text after the location header, and the line it names. */
function failure(text: string, macros = new Map<string, string>()): { detail: string; line?: number; file?: string } {
  try {
    load(text, macros);
  } catch (e) {
    if (e instanceof ConfigError) return { detail: e.detail, line: e.line, file: e.file };
    throw e;
  }
  assert.fail('configuration loaded but should not have');
}

const str = (c: Config, name: string) => {
  const v = c.getOption(name);
  return v.kind === 'string' ? v.value : JSON.stringify(v);
};

test('main options: typed values, defaults, where set', () => {
  const c = load('queue_only\nsmtp_accept_max = 0x20\nauto_thaw = 1h\nno_smtp_enforce_sync\nnot_message_logs\n');
  assert.deepEqual(c.getOption('queue_only'), { kind: 'bool', value: true });
  assert.deepEqual(c.getOption('smtp_accept_max'), { kind: 'number', value: 32 });
  assert.deepEqual(c.getOption('auto_thaw'), { kind: 'number', value: 3600 });
  assert.deepEqual(c.getOption('smtp_enforce_sync'), { kind: 'bool', value: false });
  assert.deepEqual(c.getOption('message_logs'), { kind: 'bool', value: false });
  assert.deepEqual(c.getOption('smtp_accept_queue_per_connection'), { kind: 'number', value: 10 });
  assert.equal(c.whereSet('auto_thaw')?.line, 3);
  assert.equal(c.whereSet('retry_data_expire'), undefined);
});

test('option errors use Exim\'s texts with file and line', () => {
  assert.deepEqual(failure('\n\nfoo = 1\n').detail, 'main option "foo" unknown');
  assert.equal(failure('\n\nfoo = 1\n').line, 3);
  assert.equal(failure('no_primary_hostname\n').detail, 'negation prefix applied to a non-boolean option');
  assert.equal(failure('not_queue_only\nno_queue_only = true\n').detail, '"no_queue_only" option set for the second time');
  assert.equal(failure('primary_hostname\n').detail, 'unexpected end of line (data missing) after primary_hostname');
  assert.equal(failure('primary_hostname "abc"\n').detail, 'missing "=" after primary_hostname');
  assert.equal(failure('exim_user = no-such-user-xyz\n').detail, 'user no-such-user-xyz was not found');
  assert.equal(failure('never_users = root : no-such-user-xyz\n').detail, 'user no-such-user-xyz was not found');
  assert.equal(failure('exim_group = no-such-group-xyz\n').detail, 'group no-such-group-xyz was not found');
  assert.equal(failure('begin nosuch\n').detail, '"nosuch" is not a known configuration section name');
});

test('comments, continuation lines, CRLF and a # inside a value', () => {
  const c = load('# comment\r\n  # indented comment\r\nlog_selector = +a \\\r\n   # comment inside\r\n     +b\r\ndaemon_smtp_ports = 25 #: 465\r\n');
  assert.equal(str(c, 'log_selector'), '+a +b');
  assert.equal(str(c, 'daemon_smtp_ports'), '25 #: 465');
  // A blank line ends a continuation; the error is reported on the last physical line.
  const f = failure('primary_hostname = a \\\n\n  b\n');
  assert.deepEqual([f.detail, f.line], ['main option "b" unknown', 3]);
  assert.equal(failure('foo = a \\\n  b\n').line, 2);
});

test('macros: substitution in definition order, ==, -D, errors', () => {
  const c = load('ABC = one\nprimary_hostname = xABC.ABCx\nY = zz\nX = Y\nqualify_domain = X\nM = a\nM == M-b\nqualify_recipient = M\n');
  assert.equal(str(c, 'primary_hostname'), 'xone.onex');
  assert.equal(str(c, 'qualify_domain'), 'zz');
  assert.equal(str(c, 'qualify_recipient'), 'a-b');
  assert.equal(failure('ABC = one\nABC = two\n').detail, 'macro "ABC" is already defined (use "==" if you want to redefine it)');
  assert.equal(failure('ABC = one\nABCD = two\n').detail, '"ABCD" cannot be defined as a macro because previously defined macro "ABC" is a substring');
  assert.equal(failure('Abc-d = one\n').detail, 'malformed macro definition');
  const d = load('ABC = file\nprimary_hostname = ABC\n', new Map([['ABC', 'cmd']]));
  assert.equal(str(d, 'primary_hostname'), 'cmd');
  // An empty macro alone on a line leaves nothing; a macro may produce a whole line.
  const e = load('E =\nE\nL = qualify_domain = q.example\nL\n');
  assert.equal(str(e, 'qualify_domain'), 'q.example');
  assert.ok(e.macros.some((m) => m.name === '_HAVE_TLS' && m.origin === 'builtin'));
  assert.ok(e.macros.some((m) => m.name === '_OPT_MAIN_QUEUE_ONLY'));
});

test('conditionals: ifdef/ifndef/elifdef/else/endif and their errors', () => {
  const text = '.ifdef NOPE\nfoo = 1\n.elifdef _HAVE_TLS\nprimary_hostname = tls\n.else\nbar = 2\n.endif\n.ifndef NOPE\n.ifdef NOPE\nbaz = 3\n.endif\nqualify_domain = ok\n.endif\n';
  const c = load(text);
  assert.equal(str(c, 'primary_hostname'), 'tls');
  assert.equal(str(c, 'qualify_domain'), 'ok');
  assert.deepEqual(failure('.endif\n').detail, '.endif without matching .ifdef');
  assert.deepEqual(failure('.else\n').detail, '.else without matching .ifdef');
  assert.deepEqual(failure('.ifdef X\n').detail, 'Unexpected end of configuration file: .endif missing');
  assert.equal(load('.ifdef X\n.endif\n', new Map([['X', '']])).main.size, 0);
});

test('.include and .include_if_exists: relative paths, loops, missing files', () => {
  const dir = writeFiles({
    'main.conf': '.include sub/a.conf\n.include_if_exists /nonexistent/file\nqualify_domain = q\n',
    'sub/a.conf': 'primary_hostname = inc\n.include b.conf\n',
    'sub/b.conf': 'bad_option = 1\n',
    'loop.conf': '.include loop2.conf\n',
    'loop2.conf': '\n.include loop.conf\n',
    'rel.conf': '.include_if_exists x.conf\n',
    'missing.conf': 'qualify_domain = q\n.include nothere.conf\n',
  });
  try {
    loadConfig(path.join(dir, 'main.conf'), new Map());
    assert.fail('should fail');
  } catch (e) {
    assert.ok(e instanceof ConfigError);
    assert.equal(e.file, path.join(dir, 'sub/b.conf'));
    assert.equal(e.line, 1);
    assert.equal(e.detail, 'main option "bad_option" unknown');
  }
  assert.throws(() => loadConfig(path.join(dir, 'loop.conf'), new Map()), (e: ConfigError) => /include loop/.test(e.detail) && e.line === 2);
  assert.throws(() => loadConfig(path.join(dir, 'rel.conf'), new Map()), (e: ConfigError) => e.detail === '.include specifies a non-absolute path "x.conf"');
  assert.throws(() => loadConfig(path.join(dir, 'missing.conf'), new Map()), (e: ConfigError) => e.detail === `failed to open included configuration file ${path.join(dir, 'nothere.conf')}` && e.line === 2);
});

test('named lists and hide', () => {
  const c = load('domainlist local_domains = @ : localhost\nhostlist_cache relay = <; 127.0.0.1 ; ::1\naddresslist al = x@y\nlocalpartlist lp = $local_part\nhide primary_hostname = secret\n');
  assert.deepEqual(c.namedLists.get('local_domains'), { kind: 'domain', name: 'local_domains', text: '@ : localhost', cacheable: true });
  assert.equal(c.namedLists.get('relay')?.kind, 'host');
  assert.equal(c.namedLists.get('lp')?.cacheable, false);
  assert.equal(c.main.get('primary_hostname')?.hidden, true);
  assert.equal(failure('domainlist a = x\ndomainlist a = y\n').detail, 'duplicate name "a" for a named domain list');
});

test('drivers: instances, generic and private options, errors', () => {
  const c = load('begin routers\nr1:\n  driver = accept\n  transport = t\nr2 :\n  driver = redirect\n  data = x\n  no_verify\nbegin transports\nt:\n  driver = appendfile\n  hide file = /x\n  mode = 0644\nbegin authenticators\nPLAIN:\n  driver = plaintext\n  public_name = PLAIN\n');
  assert.deepEqual(c.routers.map((r) => [r.name, r.driver, r.line]), [['r1', 'accept', 2], ['r2', 'redirect', 5]]);
  assert.deepEqual(c.routers[1].options.get('verify')?.value, { kind: 'bool', value: false });
  assert.deepEqual(c.transports[0].options.get('mode')?.value, { kind: 'number', value: 0o644 });
  assert.ok(c.hiddenDriverOptions.has('appendfile/file'));
  assert.equal(c.authenticators[0].name, 'PLAIN');
  assert.equal(failure('begin routers\nr:\n  driver = accept\n  foo = 1\n').detail, 'option "foo" unknown');
  assert.equal(failure('begin routers\nr:\n  driver = nosuch\n').detail, 'router r: cannot find router driver "nosuch"');
  assert.equal(failure('begin routers\nr:\n  domains = x\n').detail, 'no driver defined for router "r"');
  assert.equal(failure('begin routers\nr:\n  check_secondary_mx\n  driver = dnslookup\n').detail, 'option "check_secondary_mx" unknown ("driver" must be specified before any private options)');
  assert.equal(failure('begin routers\nr:\n  driver = redirect\n  data = x\nr:\n  driver = redirect\n  data = y\n').detail, 'there are two routers called "r"');
  assert.equal(failure('begin routers\nr:  driver = accept\n').detail, 'extra characters follow driver name r');
  // A macro definition ends the instance before it (Exim: "router name missing").
  assert.equal(failure('begin routers\nr:\n  driver = accept\nQ = 1\n  no_more\n').detail, 'router name missing');
  assert.equal(failure('begin routers\nr:\n  driver = redirect\n  user = no-such-user-xyz\n').detail, 'user no-such-user-xyz was not found');
  // An expandable user is resolved when used, not at load time.
  assert.equal(load('begin routers\nr:\n  driver = redirect\n  user = ${lookup{x}lsearch{/f}}\n').routers[0].options.get('user')?.value.kind, 'ids');
});

test('ACLs: statements grouped by verb with lines; errors', () => {
  const c = load('begin acl\nacl_r:\n  accept hosts = :\n          control = x\n  deny message = no\n     domains = a\nY = 1\nacl_d:\n  accept\n');
  const r = c.acls.get('acl_r')!;
  assert.deepEqual(r.statements.map((s) => [s.verb, s.text, s.line]), [['accept', 'hosts = :\ncontrol = x', 3], ['deny', 'message = no\ndomains = a', 5]]);
  assert.equal(r.statements[1].lines[1].line, 6);
  assert.equal(c.acls.get('acl_d')?.statements[0].verb, 'accept');
  assert.equal(failure('begin acl\nfoo:\n accept\nfoo:\n deny\n').detail, 'there are two ACLs called "foo"');
  assert.equal(failure('begin acl\n accept\n').detail, 'missing or malformed ACL name');
});

test('retry and rewrite rules', () => {
  const c = load('begin retry\n*   *   F,2h,15m; G,16h,1h,1.5; F,4d,6h\na.example rcpt_452 senders="x : y" H,8h,10m,2\n* quota_7d\nbegin rewrite\n*@x.example $1@y.example Fq\n"a b" c\n');
  assert.deepEqual(c.retry[0].rules, [
    { algorithm: 'F', cutoff: 7200, params: [900] },
    { algorithm: 'G', cutoff: 57600, params: [3600, 1.5] },
    { algorithm: 'F', cutoff: 345600, params: [21600] },
  ]);
  assert.equal(c.retry[1].senders, 'x : y');
  assert.deepEqual(c.retry[2].rules, []);
  assert.deepEqual([c.rewrite[0].pattern, c.rewrite[0].replacement, c.rewrite[0].flags], ['*@x.example', '$1@y.example', 'Fq']);
  assert.equal(c.rewrite[1].pattern, 'a b');
  assert.equal(failure('begin retry\n* * X,2h,15m\n').detail, 'unknown retry rule letter');
  assert.equal(failure('begin retry\n* * F,2h\n').detail, 'comma expected');
  assert.equal(failure('begin retry\n* * F,2x,15m\n').detail, 'bad parameters for retry rule');
  assert.equal(failure('begin retry\n*\n').detail, 'missing error type in retry rule');
  assert.equal(failure('begin retry\n* bad F,1h,1m\n').detail, 'unknown or malformed retry error "bad"');
  assert.equal(failure('begin retry\n* mail_4x2 F,1h,1m\n').detail, 'mail_4 must be followed by xx, dx, or dd, where x is literal and d is any digit');
  assert.equal(failure('begin rewrite\n*@x\n').detail, 'missing rewrite replacement string');
  assert.equal(failure('begin rewrite\n*@x y@z FZ\n').detail, "unknown rewrite flag character 'Z' (could be missing quotes round replacement item)");
});

test('ConfigError message layout matches Exim', () => {
  const e = new ConfigError('main option "foo" unknown', 'x.conf', 12);
  assert.equal(e.message, 'Exim configuration error in line 12 of x.conf:\n  main option "foo" unknown');
  assert.equal(new ConfigError('oops').message, 'Exim configuration error:\n  oops');
});
