// Failures that Exim meets with log_write(LOG_PANIC_DIE): the text goes to
// the main and panic logs and the process ends. A tern worker serves many
// connections, so only the session ends: an SMTP client is answered 421
// "Unexpected failure, please try later" (to every command but RSET and
// QUIT from then on, as Exim's closedown does); a command-line mode exits 1.
// Raised, for instance, when a list names a lookup file that cannot be opened.

export class PanicDie extends Error {
  override name = 'PanicDie';
}
