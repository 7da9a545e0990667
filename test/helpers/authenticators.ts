// Configuration text for the test daemons' authenticators.

/** A PLAIN server authenticator (plaintext driver) that accepts one user and password. */
export function plainAuthenticator(user: string, password: string): string {
  return `PLAIN:
  driver = plaintext
  public_name = PLAIN
  server_prompts = :
  server_condition = \${if and {{eq{$auth2}{${user}}}{eq{$auth3}{${password}}}}}
  server_set_id = $auth2
`;
}
