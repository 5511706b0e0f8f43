import nodemailer, { type Transporter } from 'nodemailer';
import type { Rejection, SendOutcome } from '../domain/delivery-verdict';

export interface OutgoingEmail {
  messageId: string;
  date: Date;
  from: string;
  to: string[];
  cc: string[];
  subject: string;
  text: string;
  html: string;
  language: string;
}

/** Port: submit one message to the SMTP relay. */
export interface Mailer {
  send(mail: OutgoingEmail): Promise<SendOutcome>;
  close(): void;
}

/**
 * nodemailer with a connection pool (pool:true): without it smtp-server's 100 ms greeting delay, and a
 * real relay's connection latency, would set the rate: measured against smtp-server, a new connection
 * per message sends about 10 messages/s, five pooled connections about 400.
 */
export function createSmtpMailer(url: string, poolSize: number): Mailer {
  const transport: Transporter = nodemailer.createTransport({
    url,
    pool: true,
    maxConnections: poolSize,
    maxMessages: 1000,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  } as never);
  return {
    async send(mail) {
      try {
        const info = (await transport.sendMail({
          messageId: mail.messageId,
          date: mail.date,
          from: mail.from,
          to: mail.to,
          cc: mail.cc.length ? mail.cc : undefined,
          subject: mail.subject,
          text: mail.text,
          html: mail.html,
          headers: {
            'Auto-Submitted': 'auto-generated',
            'Content-Language': mail.language,
            'X-Auto-Response-Suppress': 'All',
          },
        })) as { response?: string; rejected?: Recipient[]; rejectedErrors?: RecipientError[] };
        return { ok: true, response: info.response ?? '', rejected: rejections(info.rejected, info.rejectedErrors) };
      } catch (err) {
        const e = err as Error & {
          responseCode?: number;
          code?: string;
          rejected?: Recipient[];
          rejectedErrors?: RecipientError[];
        };
        return {
          ok: false,
          failure: { responseCode: e.responseCode, code: e.code, message: e.message },
          rejected: rejections(e.rejected, e.rejectedErrors),
        };
      }
    },
    close() {
      transport.close();
    },
  };
}

type Recipient = string | { address: string };
interface RecipientError {
  recipient?: string;
  responseCode?: number;
  response?: string;
  message: string;
}

function rejections(list: Recipient[] | undefined, errors: RecipientError[] | undefined): Rejection[] {
  return (list ?? []).map((a) => {
    const address = (typeof a === 'string' ? a : a.address).toLowerCase();
    const e = (errors ?? []).find((x) => x.recipient?.toLowerCase() === address);
    return { address, responseCode: e?.responseCode, message: e?.response ?? e?.message ?? 'recipient refused' };
  });
}
