import nodemailer from 'nodemailer';

export interface ReportMail {
  to: string[];
  subject: string;
  html: string;
  text: string;
  messageId: string;
  attachments: { filename: string; content: Buffer; contentType: string }[];
}

/** Port: sends one email (the monthly report); resolves with the recipients the server refused. */
export interface Mailer {
  send(mail: ReportMail): Promise<{ rejected: string[] }>;
  close(): void;
}

export function smtpMailer(smtpUrl: string, from: string): Mailer {
  const transport = nodemailer.createTransport(smtpUrl);
  return {
    async send(mail) {
      const info = await transport.sendMail({
        from,
        to: mail.to,
        subject: mail.subject,
        html: mail.html,
        text: mail.text,
        messageId: mail.messageId,
        attachments: mail.attachments.map((a) => ({
          filename: a.filename,
          content: a.content,
          contentType: a.contentType,
        })),
      });
      return {
        rejected: ((info.rejected ?? []) as (string | { address: string })[]).map((r) =>
          typeof r === 'string' ? r : r.address,
        ),
      };
    },
    close() {
      transport.close();
    },
  };
}
