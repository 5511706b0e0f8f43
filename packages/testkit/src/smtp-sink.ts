import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';

export interface SinkMessage {
  envelopeTo: string[];
  raw: string;
  parsed: ParsedMail;
}

export interface SmtpSink {
  url: string;
  port: number;
  messages: SinkMessage[];
  /** Recipients answered with a permanent 550 at RCPT TO. */
  rejectPermanently: Set<string>;
  /** While true, every message is answered with a temporary 451. */
  temporarilyFailing: boolean;
  close(): Promise<void>;
}

/** A real SMTP server on a free loopback port that keeps and parses what it receives (tests, benches). */
export async function startSmtpSink(): Promise<SmtpSink> {
  const sink: Omit<SmtpSink, 'url' | 'port' | 'close'> = {
    messages: [],
    rejectPermanently: new Set(),
    temporarilyFailing: false,
  };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    disableReverseLookup: true,
    onRcptTo(address, _session, cb) {
      if (sink.rejectPermanently.has(address.address.toLowerCase())) {
        // worded as Postfix does: real servers echo the address in the refusal
        const err = Object.assign(
          new Error(`5.1.1 <${address.address}>: Recipient address rejected: mailbox unavailable`),
          { responseCode: 550 },
        );
        cb(err);
        return;
      }
      cb();
    },
    onData(stream: SMTPServerDataStream, session: SMTPServerSession, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (sink.temporarilyFailing) {
          cb(Object.assign(new Error('try again later'), { responseCode: 451 }));
          return;
        }
        const raw = Buffer.concat(chunks).toString('utf8');
        simpleParser(raw).then(
          (parsed) => {
            sink.messages.push({ envelopeTo: session.envelope.rcptTo.map((r) => r.address), raw, parsed });
            cb();
          },
          (err: Error) => cb(err),
        );
      });
    },
  });
  // A client killed mid-session (crash tests) resets its socket; that must not crash the test file.
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return Object.assign(sink, {
    port,
    url: `smtp://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }) as SmtpSink;
}
