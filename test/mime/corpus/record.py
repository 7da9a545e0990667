#!/usr/bin/env python3
# Records what Debian's Exim 4.98 makes of generated MIME messages, for
# test/mime/corpus.test.ts (not part of the suite; needs /usr/sbin/exim4):
#   python3 test/mime/corpus/record.py
# Each message (generate.py SEED [--mutate]) goes through `exim4 -bh` with
# a MIME ACL that decodes every part and logs its $mime_* variables and the
# decoded content's MD5; the .eml Exim scanned is kept (no_mbox_unspool),
# so the test can give tern's scanner exactly the same input.

import glob, gzip, json, os, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ACL = r'''
mime:
  warn control = no_mbox_unspool
  warn decode = default
  warn logwrite = PART $mime_part_count rfc=$mime_is_rfc822 ct=[$mime_content_type] cs=[$mime_charset] cte=[$mime_content_transfer_encoding] id=[$mime_content_id] desc=[${hexquote:$mime_content_description}] disp=[$mime_content_disposition] fn=[${hexquote:$mime_filename}] b=[$mime_boundary] mp=$mime_is_multipart cl=$mime_is_coverletter an=$mime_anomaly_level md5=${run{/usr/bin/md5sum $mime_decoded_filename}{${extract{1}{ }{$value}}}}
  accept
'''

def record(seed, mutate):
    args = ['python3', os.path.join(HERE, 'generate.py'), str(seed)] + (['--mutate'] if mutate else [])
    msg = subprocess.run(args, capture_output=True, check=True).stdout
    with tempfile.TemporaryDirectory() as d:
        spool = os.path.join(d, 'spool')
        os.mkdir(spool)
        conf = os.path.join(d, 'configure')
        with open(conf, 'w') as f:
            f.write(f'spool_directory = {spool}\nexim_user = root\nexim_group = root\nlog_file_path = {spool}/%slog\n'
                    f'primary_hostname = test.example\nacl_smtp_rcpt = accept\nacl_smtp_mime = mime\nbegin acl\n{ACL}')
        smtp = b'EHLO x\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nDATA\r\n'
        for line in msg.split(b'\n')[:-1]:
            smtp += (b'.' if line.startswith(b'.') else b'') + line + b'\r\n'
        smtp += b'.\r\nQUIT\r\n'
        r = subprocess.run(['/usr/sbin/exim4', '-C', conf, '-bh', '192.0.2.1'], input=smtp, capture_output=True)
        parts = [l.split(' ', 2)[2] for l in r.stderr.decode('latin1').split('\n') if l.startswith('LOG: ') and ' PART ' in l]
        emls = glob.glob(os.path.join(spool, 'scan', '*', '*.eml'))
        if not emls:
            return None
        return {'seed': seed, 'mutated': mutate, 'eml': open(emls[0], 'rb').read().decode('latin1'), 'parts': parts}

cases = [c for c in (record(s, False) for s in range(1, 101)) if c] + [c for c in (record(s, True) for s in range(1, 101)) if c]
# gzip: the long lines of the mutated messages are mostly one repeated letter
with gzip.open(os.path.join(HERE, 'exim-4.98.json.gz'), 'wt', encoding='utf-8') as f:
    json.dump(cases, f, indent=0)
print(f'{len(cases)} messages recorded', file=sys.stderr)
