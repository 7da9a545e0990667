#!/usr/bin/env python3
# Regenerates exim-oracle-data.ts from the installed exim4 (Debian 4.98):
#   python3 test/regex/record-exim-oracle.py > test/regex/exim-oracle-data.ts
import subprocess, json
M = [  # (subject, pattern) for ${if match}
 ("abc","b(c)"),("abc","^abc$"),("abc\n","^abc$"),("abc\n\n","^abc$"),("abc\n","abc\\Z"),("abc\n","abc\\z"),
 ("abc\n","c$\\n"),("a\nb\n","(?m)^b$"),("a\nb\n","(?m)^$"),("a\n","(?m)^"),("a\n\n","(?m)^$"),("a\nb","(?m)a$"),
 ("a\nb\n","^b"),("a\nb\n","b$"),("x\ny\n","(?m)(^.*$)\\n(^.*$)"),("ab\n","(?s)b.$"),("ab\n","b.$"),("a\rb","a.b"),
 ("aXb","a.b"),("a\nb","a.b"),("a\nb","(?s)a.b"),("a\x0bb","a\\sb"),("a\xa0b","a\\sb"),
 ("HeLLo","(?i)hello"),("HELLO","(?i:h)ELLO"),("hELLO","(?i:h)ello"),("ABC","(?i)[a-b]+"),("abc","(?i)[^A]+"),
 ("xyz","[[:alpha:]]+"),("a1_!","[[:^alnum:]]"),("a1 b","[[:space:]]"),("q-z","[a\\-z]+"),("]x","[]x]+"),("^x","[\\^x]+"),
 ("foo.bar@example.com","^([^@]+)@(.+)$"),("user+tag@dom.example","^(.*?)(?:\\+(.*))?@"),("aaa","a*?"),("aaa","a+?"),("aaab","a{2}"),
 ("aaaa","a{2,3}"),("aaaa","a{2,}?"),("a{,3}","a{,3}"),("a{x}","a{x}"),("ab","(a|ab)(c|bcd|)"),("abcd","(a|ab)(c|bcd)(d*)"),
 ("xabcx","(?x) a b c  # comment"),("a b","(?x)a\\ b"),("a b","(?x)a[ ]b"),("a.b*c","\\Q.b*\\E"),("ab.b.","a\\Qb.\\E+"),
 ("abab","(ab)\\1"),("abAB","(?i)(ab)\\1"),("aa","(?<n>a)\\k<n>"),("aa","(?P<n>a)(?P=n)"),("xx","(?'n'x)\\k{n}"),("aa","(a)\\g1"),("aa","(a)\\g{-1}"),
 ("foobar","foo(?=bar)"),("foobaz","foo(?!bar)"),("foobar","(?<=foo)bar"),("xbar","(?<!foo)bar"),("aaa","a++"),("aaa","a++a"),("aaab","(?>a+)b"),("aaa","(?>a+)a"),
 ("a\x1bb","a\\eb"),("a\x07","\\a"),("A","\\x41"),("A","\\x{41}"),("A","\\101"),("a\x01b","a\\01b"),("\x01","\\cA"),("\x01","\\ca"),
 ("caf\u00e9","^caf.$"),("caf\u00e9","^caf..$"),("caf\u00e9","(?i)CAF\u00c9"),("\u00e9t\u00e9","^(.)"),("\u00e9","[\u00e9]{2}"),
 ("ab12","\\d+"),("ab12","\\D+"),("a_1-","\\w+"),("a\tb","a\\hb"),("a\nb","a\\vb"),("a\r\nb","a\\Rb"),("a\r\n","a\\R\\n"),
 ("word","\\bw"),("sword","\\Bw"),("a.b","a\\.b"),("10.0.0.1","^\\d{1,3}(?:\\.\\d{1,3}){3}$"),("Subject: hello","^Subject:\\s*(.*)$"),
 ("abc","(a)|(b)"),("b","(a)|(b)"),("ac","a(x)?c"),("abcabc","(?:(a)|b|c)+"),("ab","(?:(a)|b)+"),("aab","(a+|b)*"),("aaa","(a*)*"),("ab","(a|)*b"),
 ("ABC","(?i)abc|x"),("abc","a(?i)B|C"),("ABC","(?-i)abc"),("xy","x(?#comment)y"),("aab","a(?U)a*b"),("aaa","(?U)a+"),("aaa","(?U)a+?"),
 ("abcabc","(?n)(abc)(?<k>abc)"),("ab","a(?:)b"),("x","x|"),("","^$"),("\n","^$"),("\n\n","^$"),("","a*"),
 ("a\\b","a\\\\b"),("a/b","a\\/b"),("<>","[<>]{2}"),("a-b","[\\w-]+"),("-a","[-a]+"),("a-","[a-]+"),("|","\\|"),
 ("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab","(a+)+$"),("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","(a+)+$"),
]
BAD = ["a(b","a)b","[a","x**","a{2,1}","a{99999}","\\","\\i","[[:foo:]]","[:alpha:]","(?<1>a)","(?z)","\\x{100}","\\k<zz>","(a)\\2",
  "(?#abc","\\c","\\u","{2}","^*a","a{2}{3}","(?<=a+)b","x(?<=a+)","[z-a]","[\\d-z]","(?<n>a)(?<n>b)","(?<n","(?<>a)","(?P<n>a)(?P=m)",
  "[[:alpha:]-z]","\\x{zz}","(?<=x(a|bc))","a(?i)*","(a","((a)","a|*","\\cé","(a)\\g{-2}","(?P<n>a","[a-\\d]"]
SG = [("abc","x*"),("abc","b*"),("aaa","a|"),("abc","(?=b)|b"),("a.b.c","\\."),("abc","(b)"),("hello world","o"),("aaa","a*?"),
  ("abc","|b"),("abc","$"),("ab\n","$"),("a\nb\n","(?m)^"),("a\nb\n","(?m)$"),("  x  ","^\\s+|\\s+$"),("abcabc","(a)(b)?"),("caf\u00e9","."),
  ("aXbXc","(?i)x"),("foo bar","\\b"),("foo bar","\\B"),("aaa","a*+"),("abab","(a)\\1?"),("xyz",""),("abc","(?<=b)"),("aaa","(?=a)")]

M += [("a b","(?xx)[a b]+"),("a b","(?x)[a b]+"),("\x08","[\\b]"),("aa","(?J)(?<n>a)(?<n>b)?"),("AB","(?i)a(?^)B"),("AB","(?i)a(?^i)B"),
 ("\x08","\\o{10}"),("a\nb\nc\n","(?m)^(\\w)$"),("a\nb\nc\n","(\\w)$"),("a\nb\nc\n","(?m)(\\w)\\Z"),("x\n","x\\Z\\n\\z"),
 ("ab","(?<=a)b"),("ab","(?<!a)b"),("ab\n","(?<=b)$"),("ab","a(?=b)(?!c)"),("abc","(?:ab|a)(?:bc|c)?"),("aaa","(a)*"),("aba","(a|b)*?a$"),
 ("a.b","[.]"),("a]b","[]]"),("a-b","[a\\-]+"),("tab\there","\\t"),("ABC","[[:upper:]]+"),("abc","[[:upper:]]+"),("aBc","(?i)[[:upper:]]+"),
 ("1.2.3.4","^(\\d+)\\.(\\d+)\\.(\\d+)\\.(\\d+)$"),("mail.example.com","^(?:[^.]+\\.)*example\\.com$"),("x@y","^[^@]+@[^@]+$"),
 ("abcabc","(?:abc){2}"),("a","a{0}"),("ab","a{0}b"),("aaa","^a{1,2}"),("xyz","(?=x)(?=xy)xyz"),("aXbX","X(?=b)"),
 ("foo\n","^foo$\\n?"),("\n","$"),("a\n","(?s)a.$"),("héllo","h.llo"),("héllo","h..llo"),("héllo","h[^l]+llo"),
 ("ab","(?n)(a)(?<x>b)"),("aab","a*+b"),("aab","a?+ab"),("aab","(?>a?)ab"),("abab","^(?:(a)b)+$"),("aba","^(a)(?:b\\1)*$"),
]
SG += [("a\nb\nc\n","$"),("a\nb\nc\n","(?m)^"),("a\nb\nc","(?m)^(.)"),("ab\n","\\Z"),("abc","a*?b*?"),("aaa","a??"),("abc","(?<=a)|c"),
  ("a b c",r"\s*"),("a1b2","\\d*"),("xyz","(?=y)"),("aXaX","(?i)x|"),("éa","a*")]
def ex(expr):
    r = subprocess.run(["exim4","-C","/dev/null","-be",expr.encode()],capture_output=True)
    return r.stdout.decode("utf-8","replace")[:-1]
out = {"match":[], "bad":[], "sg":[]}
for s,p in M:
    res = ex("${if match{\\N%s\\N}{\\N%s\\N}{yes<$0><$1><$2><$3>}{no}}" % (s,p))
    out["match"].append([s,p,res])
for p in BAD:
    res = ex("${if match{x}{\\N%s\\N}{yes}{no}}" % p)
    out["bad"].append([p,res])
for s,p in SG:
    res = ex("${sg{\\N%s\\N}{\\N%s\\N}{\\N<$0|$1>\\N}}" % (s,p))
    out["sg"].append([s,p,res])

import sys
def q(x): return json.dumps(x, ensure_ascii=True)
lines=["// Results recorded from Debian's Exim 4.98 (PCRE2 10.42) with `exim4 -C /dev/null -be`:",
"//   match: ${if match{S}{P}{yes<$0><$1><$2><$3>}{no}}",
"//   bad:   ${if match{x}{P}{yes}{no}} (the error text)",
"//   sg:    ${sg{S}{P}{<$0|$1>}}",
"// Generated data: subjects, patterns, Exim's output.",
"","export const MATCH_CASES: [string, string, string][] = ["]
lines += ["  [%s, %s, %s]," % (q(a),q(b),q(c)) for a,b,c in out["match"]]
lines += ["];","","export const BAD_PATTERNS: [string, string][] = ["]
lines += ["  [%s, %s]," % (q(a),q(b)) for a,b in out["bad"]]
lines += ["];","","export const SG_CASES: [string, string, string][] = ["]
lines += ["  [%s, %s, %s]," % (q(a),q(b),q(c)) for a,b,c in out["sg"]]
lines += ["];"]
print("\n".join(lines))

