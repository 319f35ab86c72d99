/** DNS wire numbers used across dns/ (RFC 1035, 2782, 3596, 6891, 8482). */

export const TYPE = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  PTR: 12,
  TXT: 16,
  AAAA: 28,
  SRV: 33,
  OPT: 41,
  IXFR: 251,
  AXFR: 252,
  MAILB: 253,
  MAILA: 254,
  ANY: 255,
} as const

export const CLASS_IN = 1
export const CLASS_ANY = 255

export const RCODE = {
  NOERROR: 0,
  FORMERR: 1,
  SERVFAIL: 2,
  NXDOMAIN: 3,
  NOTIMP: 4,
  REFUSED: 5,
  /** Extended rcode 16: the low 4 bits are 0, the OPT record carries 1 in its extended-rcode byte. */
  BADVERS: 16,
} as const
export type Rcode = (typeof RCODE)[keyof typeof RCODE]

export const RCODE_NAMES: Readonly<Record<number, string>> = {
  0: 'NOERROR',
  1: 'FORMERR',
  2: 'SERVFAIL',
  3: 'NXDOMAIN',
  4: 'NOTIMP',
  5: 'REFUSED',
  16: 'BADVERS',
}

/** Header flag bits (second 16-bit word). */
export const FLAG = {
  QR: 0x8000,
  OPCODE_MASK: 0x7800,
  AA: 0x0400,
  TC: 0x0200,
  RD: 0x0100,
  RA: 0x0080,
  Z: 0x0040,
  AD: 0x0020,
  CD: 0x0010,
  RCODE_MASK: 0x000f,
} as const

export const HEADER_SIZE = 12
/** The plain-DNS UDP limit (RFC 1035 §4.2.1), also the floor for an EDNS0 advertised size. */
export const UDP_PLAIN_LIMIT = 512
export const TCP_LIMIT = 65535
export const MAX_NAME_WIRE = 255
export const MAX_LABEL = 63
/** The OPT record we append: root name, type, class, ttl, rdlength. */
export const OPT_RR_SIZE = 11
