import random, sys
rnd = random.Random(int(sys.argv[1]))
MUTATE = '--mutate' in sys.argv
def pick(*a): return rnd.choice(a)
def hname(n):
    return ''.join(c.upper() if rnd.random()<0.3 else c for c in n) + pick(':', ':', ' :')
def ws(): return pick('', ' ', '  ', '\t', '\n ', '\n\t')
def val():
    return pick('text/plain', 'TEXT/HTML', 'application/octet-stream', 'image/png', 'message/rfc822', 'multipart/mixed', 'multipart/alternative', 'multipart/related', 'Multipart/Mixed')
def fname():
    return pick('a.txt', '"a b.txt"', '"x;y z.exe"', '=?utf-8?Q?f=C3=A9e_x?=', '=?iso-8859-1?B?YWJj?= =?iso-8859-1?Q?d?=', '"quoted \\"n\\" x"', 'plain(comment)x', '"=?UTF-8?B?w6k=?=.pdf"', '', '""', 'a=b')
def params(ct):
    ps = []
    if rnd.random() < 0.5: ps.append('charset=' + pick('us-ascii', '"UTF-8"', 'iso-8859-1 (c)'))
    if rnd.random() < 0.5: ps.append(pick('name', 'NAME', 'Name ') + '=' + ws().replace('\n','') + fname())
    return ps
def disp():
    ps = [pick('attachment', 'inline', 'Attachment')]
    r = rnd.random()
    if r < 0.3: ps.append('filename=' + fname())
    elif r < 0.6: ps.append('filename*=' + pick("UTF-8''a%20b.txt", "''x%41", "utf-8'en'z%2Ey", "abc", "UTF-8''%E2%82%AC"))
    elif r < 0.8: ps += ['filename*0*=' + pick("UTF-8''p%20", "''q"), 'filename*1=' + pick('"r s"', 't.u', '%41')]
    if rnd.random() < 0.3: ps.append('size=' + str(rnd.randint(1, 999)))
    return ps
def header_block(ct, boundary=None, cte=None):
    lines = []
    order = ['ct', 'disp', 'cte', 'id', 'desc', 'other']
    rnd.shuffle(order)
    for k in order:
        if k == 'ct' and ct is not None:
            ps = params(ct)
            if boundary is not None: ps.append('boundary=' + pick('"%s"' % boundary, boundary))
            sep = pick(';', '; ', ';\n\t', ' ; ')
            lines.append(hname('Content-Type') + ' ' + ct + ''.join(sep + p for p in ps))
        elif k == 'disp' and rnd.random() < 0.5:
            lines.append(hname('Content-Disposition') + ' ' + '; '.join(disp()))
        elif k == 'cte' and cte:
            lines.append(hname('Content-Transfer-Encoding') + ws().replace('\n ', ' ') + cte)
        elif k == 'id' and rnd.random() < 0.3:
            lines.append('Content-ID: <' + pick('Abc@Def', 'x(y)z@w') + '>')
        elif k == 'desc' and rnd.random() < 0.3:
            lines.append('Content-Description: ' + pick('My file (c) here', 'a = b; c', 'x'))
        elif k == 'other' and rnd.random() < 0.3:
            lines.append(pick('X-Other: y', 'Content-Typo: nope', 'content-type-x: z'))
    return '\n'.join(lines) + '\n\n'
import base64
def body(cte):
    raw = pick('hello world\n', 'line1\nline2\n', 'a=3Db=\nc=zz\n', 'x' * rnd.randint(0, 200) + '\n', 'tab\there =\n soft\n')
    if cte and cte.lower() == 'base64':
        b = base64.b64encode(raw.encode()).decode()
        if rnd.random() < 0.3: b = b[:-2] + pick('!!', '', '=', ' =')
        return '\n'.join(b[i:i+pick(4, 8, 76)] for i in range(0, len(b), 76)) + '\n'
    return raw
def part(depth):
    r = rnd.random()
    if depth < 3 and r < 0.35:
        b = pick('B', '=_b', 'bb') + str(depth) + str(rnd.randint(0, 9))
        ct = pick('multipart/mixed', 'multipart/alternative', 'multipart/related', 'MULTIPART/mixed')
        n = rnd.randint(0, 3)
        s = header_block(ct, b)
        s += pick('', 'preamble\n')
        for i in range(n):
            s += '--' + b + pick('', '', ' ', '-x') + '\n' + part(depth + 1)
        if rnd.random() < 0.85: s += '--' + b + '--\n'
        s += pick('', 'epilogue\n')
        return s
    if depth < 3 and r < 0.45:
        cte = pick(None, None, 'base64')
        inner = part(depth + 1)
        if cte: inner = body.__call__('') if False else '\n'.join(base64.b64encode(inner.encode()).decode()[i:i+76] for i in range(0, len(base64.b64encode(inner.encode())), 76)) + '\n'
        return header_block('message/rfc822', None, cte) + inner
    cte = pick(None, 'base64', 'quoted-printable', 'Quoted-Printable', '7bit', 'BASE64')
    ct = pick(None, val(), 'text/plain')
    if ct and ct.lower().startswith('multipart'): ct = 'text/plain'
    if ct == 'message/rfc822': ct = 'text/plain'
    return header_block(ct, None, cte) + body(cte)
msg = 'Subject: fuzz\n' + part(0)
# Exim runs the MIME ACL only when the message's own header has "Content-Type:" exactly
head, sep, rest = msg.partition('\n\n')
import re
head = re.sub(r'(?im)^content-type\s*:', 'Content-Type:', head, count=1)
msg = head + sep + rest
if 'Content-Type' not in msg.split('\n\n')[0] and 'CONTENT' not in msg.upper().split('\n\n')[0]:
    msg = 'Content-Type: text/plain\n' + msg

def mutate(msg, seed):
    r = random.Random(seed * 7919)
    lines = msg.split('\n')
    for _ in range(r.randint(1, 4)):
        i = r.randrange(1, len(lines))
        m = r.randrange(10)
        if m == 0: lines[i] = lines[i] + '\r'
        elif m == 1: lines[i] = lines[i] + ' (unbalanced'
        elif m == 2: lines[i] = lines[i].replace('=', '\\=', 1)
        elif m == 3: lines[i] = 'Content-Type: text/plain; name=' + '=?utf-8?q?' + 'a' * r.choice([50, 70, 90]) + '?='
        elif m == 4: lines[i] = 'X-Long: ' + 'y' * r.choice([8190, 8200, 9000])
        elif m == 5: lines[i] = 'z' * r.choice([32766, 32767, 32768, 40000])
        elif m == 6: del lines[i]
        elif m == 7: lines[i] = lines[i].replace(':', '', 1)
        elif m == 8: lines[i] = '--' + lines[i]
        elif m == 9: lines[i] = lines[i] + ' (a (nested) c) x\\(y'
    out = '\n'.join(lines)
    if r.random() < 0.2: out = out.rstrip('\n')
    return out + ('\n' if not out.endswith('\n') else '')

if MUTATE: msg = mutate(msg, int(sys.argv[1]))
sys.stdout.write(msg)
