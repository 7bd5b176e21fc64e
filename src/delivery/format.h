/* Output formats of vended logs: how one record (a producer's message: a
 * JSON object of the log type's fields, or the service's native line)
 * becomes a line of the delivery's output, given the delivery's
 * recordFields and fieldDelimiter.
 *
 *   json   {"f1":"v1","f2":"v2"} — the selected fields only, in recordFields
 *          order, every value as a string (research delivery-behaviour.md
 *          §3.1: CloudFront's `"asn":"16509"`, `"origin-fbl":"0.251"`).
 *          Absent fields and JSON null are omitted; "" stays "".
 *          No recordFields: the message object itself, minified.
 *   plain  the selected values joined by the delimiter, "-" for absent,
 *          null or empty values; no header.  Values are written verbatim —
 *          AWS documents no quoting for plain, and the delimited log types
 *          (VPC flow logs, ALB) have fields that never hold the delimiter —
 *          so a value holding the delimiter is written as is (use w3c for
 *          free text).  Only line breaks are escaped ("\n" -> `\n`,
 *          "\r" -> `\r`, Sluice's choice) so that one record stays one line.
 *   w3c    as plain, values percent-encoded (%XX, uppercase) where they hold
 *          bytes 0x00-0x20 (controls, space), '"', '%', '\', 0x7F-0xFF
 *          (non-ASCII UTF-8 is encoded byte by byte, as CloudFront's legacy
 *          logs show it: `Slackbot%201.0`, `%2520` for a logged "%20") or any
 *          byte of the delimiter; "-" for absent, null or empty; each file
 *          starts with "#Version: 1.0" and "#Fields: f1 f2 ..." (names
 *          space-separated whatever the delimiter, as in CloudFront's files;
 *          dlv_format_header).  A urldecode of each field gives the value back.
 *   raw    the message as sent, bytes unchanged (need not be JSON).
 * Value text: strings as they are (JSON escapes decoded), integers in
 * decimal, other numbers as the shortest text that reads back as the same
 * double — fixed notation with up to 9 decimals ("0.251", "0.00001"; "1.50"
 * becomes "1.5", "2.0" "2"), else 15-17 significant digits in %g form
 * ("0.30000000000000004", "1e+300"); integers beyond int64 are doubles —
 * booleans "true"/"false", objects and arrays as their compact JSON text
 * (numbers inside likewise).  A key the message repeats: which occurrence is used is
 * unspecified (producers send each field once).
 * Delimiter: NULL or "" is the format's default — plain " ", w3c "\t"
 * (CreateDelivery stores fieldDelimiter "" for CloudFront while its w3c
 * files are tab-separated, research §2.3/§3.5).  json and raw ignore it.
 * Every line ends with "\n" (the CloudWatch Logs sink strips it); raw adds
 * none when the message already ends with one.
 *
 * Memory: the message is parsed into storage the calling thread keeps
 * (json_parse_view), so a record allocates nothing once the thread has
 * seen one as large (nested values aside); output goes to `out` only.
 * Thread-safe (the JSON parser is per thread). */
#ifndef SLUICE_DELIVERY_FORMAT_H
#define SLUICE_DELIVERY_FORMAT_H

#include "../core/arena.h"
#include "../core/buf.h"
#include "../core/common.h"

struct jval;

enum dlv_format { DLV_FMT_JSON, DLV_FMT_PLAIN, DLV_FMT_W3C, DLV_FMT_RAW };

struct dlv_fmt {
    enum dlv_format format;
    const char *const *fields;    /* recordFields, in order (json/plain/w3c) */
    size_t nfields;
    const char *delim;            /* fieldDelimiter; NULL or "": the format's default */
    const size_t *flen;           /* strlen of each field (dlv_format_prepare), or NULL:
                                     measured per record */
};

/* "json" -> DLV_FMT_JSON ... (case-sensitive, the model's enum spelling);
 * -1 for parquet (issue 10), unknown or NULL. */
int dlv_format_parse(const char *name);
/* Measures f's fields once (f->flen, in a), for a run of records. */
void dlv_format_prepare(struct dlv_fmt *f, struct arena *a);
/* Append one record's line to out.  C_ERR (nothing appended) when json,
 * plain or w3c get a message that is not a JSON object (*why: "message is
 * not JSON" or "message is not a JSON object"), or when plain or w3c have
 * no recordFields (*why says so).  msg needs no padding or NUL. */
int dlv_format_record(const struct dlv_fmt *f, const char *msg, size_t len, struct buf *out,
                      const char **why);
/* Which way dlv_format_record_path made a line: copied as it stands (raw;
 * a json line that is the message itself), formatted from the parser's
 * lent tree (json_parse_view), or from a tree of copies in an arena of its
 * own (json_parse: the way before, kept as the tests' reference). */
enum dlv_fmt_path { DLV_PATH_COPY, DLV_PATH_TREE, DLV_PATH_PARSE };
/* dlv_format_record, saying which path it took (*taken, may be NULL), or
 * (parse_only) held to json_parse and format_obj: the same bytes and
 * errors either way, which is what the tests compare. */
int dlv_format_record_path(const struct dlv_fmt *f, const char *msg, size_t len,
                           struct buf *out, const char **why, bool parse_only,
                           enum dlv_fmt_path *taken);
/* The same for a message already parsed (src/json/json.h), so that one
 * parse serves every delivery of a record.  obj must be a J_OBJ (else C_ERR);
 * where the output is "the message as received" (raw, json without
 * recordFields) it is the object's compact JSON text. */
int dlv_format_obj(const struct dlv_fmt *f, const struct jval *obj, struct buf *out,
                   const char **why);
/* The header lines a w3c file starts with; nothing for the others. */
void dlv_format_header(const struct dlv_fmt *f, struct buf *out);

#endif
