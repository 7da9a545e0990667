// MIME scanning of received messages (spec "Scanning MIME parts"), as
// Exim's content-scanning extension does it:
//
//   walkParts(text, hooks)      the parts in Exim's order with the fields of $mime_*
//   decodeBody(...)             a part's body decoded (base64, quoted-printable, as is)
//   scanMessage(eml, opts)      the MIME ACL over every part, attached messages included
//   ScanDirectory, mboxText     $spool_directory/scan/<id>/ and the <id>.eml in it

export { walkParts, type MimePart, type WalkHooks } from './walk.ts';
export { decodeBody, bodyEnd, type Decoded, type Anomaly } from './decode.ts';
export { applyHeaderLine, type PartFields } from './fields.ts';
export { readPartHeader } from './header.ts';
export { decodeEncodedWords } from './words.ts';
export { ScanDirectory, mboxText, type MboxEnvelope } from './scan-dir.ts';
export { scanMessage, clearMimeVariables, hasContentType, MimePartHandle, type DecodeResult, type MimeScanOptions } from './scan.ts';
