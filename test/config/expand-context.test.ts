import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { loadConfig, type Config } from '../../src/config/index.ts';
import { configExpandContext, configOptionView } from '../../src/config/expand-context.ts';
import { expandString } from '../../src/expand/index.ts';
import { writeFiles } from './helpers.ts';

function load(text: string): { cfg: Config; file: string } {
  const file = path.join(writeFiles({ 'c.conf': text }), 'c.conf');
  return { cfg: loadConfig(file), file };
}

const CONF = 'primary_hostname = mx.example\nqualify_domain =\ndomainlist locals = a.example : b.example\n';

test('option view: set options, defaults, empty unset options, unknown names, $config_file', () => {
  const { cfg, file } = load(CONF);
  const o = configOptionView(cfg);
  assert.equal(o.get('primary_hostname'), 'mx.example');
  assert.equal(o.get('qualify_domain'), '', 'set to empty is still set');
  assert.equal(o.get('smtp_accept_max'), '20', 'an unset option answers with its default');
  assert.equal(o.get('qualify_recipient'), undefined, 'an unset option with no default is undefined');
  assert.equal(o.get('no_such_option'), undefined);
  assert.equal(o.get('config_file'), file);
  o.set('primary_hostname', 'override.example');
  assert.equal(o.get('primary_hostname'), 'override.example', 'a value set on the map wins');
});

test('option view: defaultsFor limits which unset options answer', () => {
  const { cfg } = load(CONF);
  const o = configOptionView(cfg, { defaultsFor: ['spool_directory'] });
  assert.equal(o.get('smtp_accept_max'), undefined);
  assert.notEqual(o.get('spool_directory'), undefined);
  assert.equal(o.get('primary_hostname'), 'mx.example', 'set options always answer');
});

test('expand context: options and named lists reach the expander; base fields are kept', () => {
  const { cfg, file } = load(CONF);
  const ctx = configExpandContext(cfg, { testMode: true });
  assert.equal(ctx.testMode, true);
  assert.equal(expandString('$primary_hostname $config_file', ctx), `mx.example ${file}`);
  assert.equal(expandString('${if match_domain{b.example}{+locals}{yes}{no}}', ctx), 'yes');
  assert.equal(expandString('${if match_domain{c.example}{+locals}{yes}{no}}', ctx), 'no');
});
