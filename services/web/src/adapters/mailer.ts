import nodemailer, { type Transporter } from 'nodemailer';

import type { WebEmail } from '../domain/emails';

export type { WebEmail };

/** Port: sign-in links and invitations (the notifier's SMTP relay). */
export interface Mailer {
  send(mail: WebEmail): Promise<void>;
  close(): void;
}

export function createSmtpMailer(url: string, from: string): Mailer {
  const transport: Transporter = nodemailer.createTransport({
    url,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  } as never);
  return {
    async send(mail) {
      await transport.sendMail({
        from,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        headers: { 'Auto-Submitted': 'auto-generated', 'Content-Language': mail.language },
      });
    },
    close: () => transport.close(),
  };
}
