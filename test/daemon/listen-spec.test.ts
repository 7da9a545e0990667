import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyOverride, listenAddresses, listeningText, parseInterfaceItem, portNumber, ListenSpecError } from '../../src/daemon/listen-spec.ts';

const base = { daemonSmtpPorts: '25', localInterfaces: '<; ::0 ; 0.0.0.0', tlsOnConnectPorts: '' };

test('interface items: bare, address.port, [address]:port, IPv6 wildcards', () => {
  assert.deepEqual(parseInterfaceItem('127.0.0.1'), { address: '127.0.0.1' });
  assert.deepEqual(parseInterfaceItem('192.168.23.65.1234'), { address: '192.168.23.65', port: 1234 });
  assert.deepEqual(parseInterfaceItem('[192.168.23.65]:1234'), { address: '192.168.23.65', port: 1234 });
  assert.deepEqual(parseInterfaceItem('3ffe:ffff:836f::fe86:a061.1234'), { address: '3ffe:ffff:836f::fe86:a061', port: 1234 });
  assert.deepEqual(parseInterfaceItem('[::1]:26'), { address: '::1', port: 26 });
  assert.deepEqual(parseInterfaceItem('::1'), { address: '::1' });
  assert.deepEqual(parseInterfaceItem('::0'), { address: '::' });
  assert.deepEqual(parseInterfaceItem('::0.26'), { address: '::', port: 26 });
  assert.deepEqual(parseInterfaceItem('::ffff:1.2.3.4'), { address: '::ffff:1.2.3.4' });
  assert.throws(() => parseInterfaceItem('example.com'), ListenSpecError);
  assert.throws(() => parseInterfaceItem('1.2.3.4.99999'), ListenSpecError);
});

test('ports by number or service name', () => {
  assert.equal(portNumber('smtp', 'daemon_smtp_ports'), 25);
  assert.equal(portNumber('2525', 'daemon_smtp_ports'), 2525);
  assert.throws(() => portNumber('no-such-service-name', 'daemon_smtp_ports'), /invalid port "no-such-service-name" in daemon_smtp_ports/);
});

test('each interface without its own port listens on every daemon_smtp_ports port', () => {
  const l = listenAddresses({ ...base, daemonSmtpPorts: '25 : 26', localInterfaces: '0.0.0.0 : 127.0.0.1.27', tlsOnConnectPorts: '26' });
  assert.deepEqual(l, [
    { address: '0.0.0.0', port: 25, tlsOnConnect: false },
    { address: '0.0.0.0', port: 26, tlsOnConnect: true },
    { address: '127.0.0.1', port: 27, tlsOnConnect: false },
  ]);
});

test('-oX: port items replace daemon_smtp_ports, address items replace local_interfaces', () => {
  assert.deepEqual(applyOverride('25', 'x', '1225'), { ports: '<; 1225', interfaces: 'x' });
  assert.deepEqual(applyOverride('25', 'x', '192.168.34.5.1125'), { ports: '25', interfaces: '<; 192.168.34.5.1125' });
  const l = listenAddresses({ ...base, localInterfaces: '<; 127.0.0.1 ; ::1', override: '<; 2602 ; 127.0.0.1.2603 ; [::1]:2604' });
  assert.deepEqual(l.map((a) => `[${a.address}]:${a.port}`), ['[127.0.0.1]:2603', '[::1]:2604']);
  const p = listenAddresses({ ...base, localInterfaces: '<; 127.0.0.1 ; ::1', override: '2700' });
  assert.deepEqual(p.map((a) => `[${a.address}]:${a.port}`), ['[127.0.0.1]:2700', '[::1]:2700']);
});

test('disable_ipv6 drops IPv6 interfaces; duplicates are listened on once', () => {
  const l = listenAddresses({ ...base, localInterfaces: '<; 127.0.0.1 ; ::1 ; 127.0.0.1', disableIpv6: true });
  assert.deepEqual(l.map((a) => a.address), ['127.0.0.1']);
  assert.throws(() => listenAddresses({ ...base, localInterfaces: '<; ::1', disableIpv6: true }), /no SMTP listening addresses/);
});

// The texts below are from Exim 4.98's "daemon started" lines for the same settings.
test('the "listening for" text is Exim\'s', () => {
  const text = (o: Partial<typeof base> & { override?: string }) => listeningText(listenAddresses({ ...base, ...o }));
  assert.equal(text({ localInterfaces: '<; 127.0.0.1 ; ::1', daemonSmtpPorts: '2600' }), 'listening for SMTP on [127.0.0.1]:2600 [::1]:2600');
  assert.equal(text({ localInterfaces: '<; 127.0.0.1 ; ::1', daemonSmtpPorts: '2600 : 2601', tlsOnConnectPorts: '2601' }),
    'listening for SMTP on [127.0.0.1]:2600 [::1]:2600 and for SMTPS on [127.0.0.1]:2601 [::1]:2601');
  assert.equal(text({ override: '0.0.0.0.2605:2606' }), 'listening for SMTP on port 2605 (IPv4)');
  assert.equal(text({ override: '<; ::0.2607 ; 0.0.0.0.2607; ::0.2608' }), 'listening for SMTP on port 2607 (IPv6 and IPv4) port 2608 (IPv6)');
  assert.equal(text({ override: '<; 0.0.0.0.2609 ; ::0.2609' }), 'listening for SMTP on port 2609 (IPv6 and IPv4)');
});
