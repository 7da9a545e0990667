// ACL configurations and SMTP sessions whose results were recorded from
// Exim 4.98's `exim4 -bh` (record-golden.ts writes fixtures/golden/*.json;
// golden.test.ts replays each session through runAcl and compares the
// verdicts, response texts, ACL trace lines and ACL-written log lines).

export interface GoldenCase {
  name: string;
  /** The "begin acl" section. ACLs named connect/helo/mail/rcpt/predata/data/quit/vrfy are wired to their options. */
  acls: string;
  /** Extra main options. */
  main?: string;
  ip?: string;
  /** SMTP commands; a DATA command is followed by `message` and the terminating dot. */
  commands: string[];
  message?: string;
}

const HELO_MAIL = ['HELO x', 'MAIL FROM:<a@b.c>'];

export const GOLDEN_CASES: GoldenCase[] = [
  {
    name: 'verbs-and-nesting',
    acls: `rcpt:
  warn  log_message = warned $local_part
        logwrite = :main,reject: lw
  warn  condition = \${if eq{$local_part}{w}}
        message = X-Warn: old style
  deny  acl = sub $local_part two
        message = denied by sub: $acl_verify_message
  defer local_parts = d
  discard local_parts = disc
          log_message = discarded it
  drop local_parts = drop
  accept
sub:
  accept condition = \${if eq{$acl_arg1}{ok}}
  deny  message = sub says no to $acl_arg1 ($acl_narg)
        condition = \${if eq{$acl_arg1}{no}}`,
    commands: [...HELO_MAIL, 'RCPT TO:<no@test.example>', 'RCPT TO:<d@test.example>', 'RCPT TO:<disc@test.example>', 'RCPT TO:<w@test.example>', 'RCPT TO:<drop@test.example>'],
  },
  {
    name: 'failed-accept-message-sticks',
    acls: `rcpt:
  accept message = X accept msg
         domains = nomatch.example`,
    commands: [...HELO_MAIL, 'RCPT TO:<u@test.example>', 'QUIT'],
  },
  {
    name: 'message-order-require',
    acls: `rcpt:
  require message = first $local_part
          local_parts = a : b
          message = second $local_part
          local_parts = a
          message = third
  accept  message = 250 OK with $local_part`,
    commands: [...HELO_MAIL, 'RCPT TO:<a@test.example>', 'RCPT TO:<b@test.example>', 'RCPT TO:<c@test.example>', 'QUIT'],
  },
  {
    name: 'endpass',
    acls: `rcpt:
  accept domains = test.example
         endpass
         message = endpass says no to $local_part
         local_parts = good
  deny   message = second statement`,
    commands: [...HELO_MAIL, 'RCPT TO:<good@test.example>', 'RCPT TO:<bad@test.example>', 'RCPT TO:<x@other.example>', 'QUIT'],
  },
  {
    name: 'lists-and-data',
    main: 'domainlist local_domains = test.example : *.sub.example\nhostlist relays = 10.0.0.0/8 : 192.0.2.0/24',
    acls: `mail:
  deny   senders = *@spam.example : ^bad
         message = sender $sender_address refused
  deny   sender_domains = blocked.example
  accept
rcpt:
  deny   !hosts = +relays
  accept recipients = postmaster@test.example
         message = pm ok
  deny   local_parts = ^root\\$ : admin
         message = no $local_part here
  accept domains = +local_domains
         message = local domain $domain
  deny   message = relay not permitted`,
    commands: ['HELO x', 'MAIL FROM:<x@spam.example>', 'MAIL FROM:<bad1@q.example>', 'MAIL FROM:<u@blocked.example>', 'MAIL FROM:<a@b.c>',
      'RCPT TO:<postmaster@test.example>', 'RCPT TO:<root@test.example>', 'RCPT TO:<Admin@test.example>', 'RCPT TO:<User@TEST.example>', 'RCPT TO:<u@else.example>', 'QUIT'],
  },
  {
    name: 'variables',
    acls: `mail:
  warn   set acl_m_count = 1
         set acl_c0 = conn
  accept
rcpt:
  warn   set acl_m_count = \${eval:$acl_m_count+1}
  deny   condition = \${if >{$acl_m_count}{3}}
         message = too many ($acl_m_count) $acl_c0
  accept message = count $acl_m_count`,
    commands: [...HELO_MAIL, 'RCPT TO:<a@test.example>', 'RCPT TO:<b@test.example>', 'RCPT TO:<c@test.example>', 'QUIT'],
  },
  {
    name: 'condition-values',
    acls: `rcpt:
  accept condition = \${if eq{$local_part}{yes}{yes}{no}}
  accept condition = \${if eq{$local_part}{num}{42}{0}}
  deny   condition = \${if eq{$local_part}{bad}{maybe}{false}}
  deny   condition = \${if eq{$local_part}{ff}{\${fail}}{false}}
         message = forced fail ignored
  accept condition = \${if eq{$local_part}{err}{\${lookup{x}nosuch{y}}}{0}}
  deny   message = fell through`,
    commands: [...HELO_MAIL, 'RCPT TO:<yes@test.example>', 'RCPT TO:<num@test.example>', 'RCPT TO:<bad@test.example>', 'RCPT TO:<ff@test.example>', 'RCPT TO:<err@test.example>', 'RCPT TO:<other@test.example>', 'QUIT'],
  },
  {
    name: 'forbidden-conditions',
    acls: `helo:
  accept domains = x
mail:
  accept local_parts = x
rcpt:
  accept`,
    commands: ['HELO x', 'MAIL FROM:<a@b.c>', 'QUIT'],
  },
  {
    name: 'controls',
    acls: `rcpt:
  warn   control = $local_part
  accept`,
    commands: [...HELO_MAIL, 'RCPT TO:<nosuch@test.example>', 'RCPT TO:<freeze@test.example>', 'RCPT TO:<queue_only@test.example>',
      'RCPT TO:<allow_auth_unadvertised@test.example>', 'RCPT TO:<caseful_local_part@test.example>', 'RCPT TO:<utf8_downconvert@test.example>', 'RCPT TO:<no_pipelining@test.example>', 'QUIT'],
  },
  {
    name: 'control-args',
    acls: `rcpt:
  warn   control = \${if eq{$local_part}{f}{freeze/x}{submission/domain=x/name=Foo Bar}}
  warn   control = \${if eq{$local_part}{u}{utf8_downconvert/2}{fakereject/hello there}}
  accept`,
    commands: [...HELO_MAIL, 'RCPT TO:<f@test.example>', 'RCPT TO:<u@test.example>', 'RCPT TO:<z@test.example>', 'QUIT'],
  },
  {
    name: 'delay-and-logwrite',
    acls: `rcpt:
  warn   delay = 2s
         logwrite = :panic: panic text for $local_part
  warn   logwrite = :bogus: x
  deny   delay = 3x`,
    commands: [...HELO_MAIL, 'RCPT TO:<p@test.example>', 'QUIT'],
  },
  {
    name: 'log-message-and-defaults',
    acls: `rcpt:
  deny   local_parts = a
         log_message = logged only
  deny   local_parts = b
         message = told
         log_message = logged $local_part
  defer  local_parts = c
         message = 452 4.2.1 try later $local_part
  deny   local_parts = d
         log_reject_target =
  deny   local_parts = e
         log_reject_target = main : bogus`,
    commands: [...HELO_MAIL, 'RCPT TO:<a@test.example>', 'RCPT TO:<b@test.example>', 'RCPT TO:<c@test.example>', 'RCPT TO:<d@test.example>', 'RCPT TO:<e@test.example>', 'RCPT TO:<f@test.example>', 'QUIT'],
  },
  {
    name: 'long-message-split',
    acls: `rcpt:
  deny   message = This is a rather long rejection message which Exim is going to split: at a colon if it can, otherwise at a space somewhere sensible`,
    commands: [...HELO_MAIL, 'RCPT TO:<a@test.example>', 'QUIT'],
  },
  {
    name: 'inline-and-file-acls',
    acls: `rcpt:
  accept acl = accept hosts = 192.0.2.1
  deny   acl = "deny local_parts = x"
         message = inline said no
  accept acl = \${if eq{$local_part}{loop}{rcpt}{nosuchacl}}
  deny`,
    commands: [...HELO_MAIL, 'RCPT TO:<a@test.example>', 'QUIT'],
  },
  {
    name: 'nesting-loop',
    acls: `rcpt:
  accept acl = rcpt`,
    commands: [...HELO_MAIL, 'RCPT TO:<a@test.example>', 'QUIT'],
  },
  {
    name: 'discard-rules',
    acls: `connect:
  accept
mail:
  discard senders = *@discard.example
  accept
predata:
  discard
rcpt:
  accept acl = subdisc
subdisc:
  discard`,
    commands: ['HELO x', 'MAIL FROM:<a@discard.example>', 'RCPT TO:<a@test.example>', 'RSET', 'MAIL FROM:<a@b.c>', 'RCPT TO:<a@test.example>', 'DATA', 'QUIT'],
  },
  {
    name: 'quit-acl',
    acls: `quit:
  warn   logwrite = quitting $acl_c_x
  deny   message = bye`,
    commands: ['HELO x', 'QUIT'],
  },
  {
    name: 'verify-helo-and-misc',
    acls: `helo:
  warn   set acl_c_helo = \${if eq{$sender_helo_name}{[192.0.2.1]}{literal}{name}}
  accept
rcpt:
  deny   !verify = helo
         message = helo $sender_helo_name not verified
  deny   verify = header_syntax
  accept verify = certificate
  deny   encrypted = *
  deny   authenticated = *
  accept message = ok $acl_c_helo`,
    commands: ['HELO [192.0.2.1]', 'MAIL FROM:<a@b.c>', 'RCPT TO:<a@test.example>', 'QUIT'],
  },
  {
    name: 'verify-errors',
    acls: `rcpt:
  warn   verify = \${if eq{$local_part}{a}{bogus}{helo/x}}
  warn   verify = \${if eq{$local_part}{b}{header_syntax}{not_blind/foo}}
  accept`,
    commands: [...HELO_MAIL, 'RCPT TO:<a@test.example>', 'RCPT TO:<b@test.example>', 'RCPT TO:<c@test.example>', 'QUIT'],
  },
  {
    name: 'ratelimit',
    acls: `rcpt:
  warn   ratelimit = 2 / 1h / strict / per_rcpt
         log_message = rate $sender_rate / $sender_rate_period (max $sender_rate_limit)
  deny   ratelimit = 2 / 1h / per_rcpt / readonly
         message = too fast: $sender_rate
  warn   ratelimit = 1 / 1h / per_bogus
  accept`,
    commands: [...HELO_MAIL, 'RCPT TO:<a@test.example>', 'RCPT TO:<b@test.example>', 'RCPT TO:<c@test.example>', 'QUIT'],
  },
  {
    name: 'data-acl-headers',
    acls: `data:
  warn   add_header = X-Added: yes
  warn   remove_header = X-Remove-Me
  deny   !verify = header_syntax
         message = bad headers: $acl_verify_message
  accept
rcpt:
  accept`,
    commands: [...HELO_MAIL, 'RCPT TO:<a@test.example>', 'DATA', 'QUIT'],
    message: 'From: a@b.c\r\nTo: @\r\nSubject: test\r\n\r\nbody\r\n',
  },
  {
    name: 'queue-and-udpsend-errors',
    acls: `rcpt:
  warn   queue = \${if eq{$local_part}{a}{bad/name}{named}}
  warn   udpsend = \${if eq{$local_part}{b}{127.0.0.1}{127.0.0.1 : x : payload}}
  accept`,
    commands: [...HELO_MAIL, 'RCPT TO:<a@test.example>', 'RCPT TO:<b@test.example>', 'RCPT TO:<c@test.example>', 'QUIT'],
  },
];
