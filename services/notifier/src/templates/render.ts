import Handlebars from 'handlebars';
import { digestView, type DigestInput, type DigestView } from './view';

// Strict: a field missing from the view is a bug, not an empty string. The HTML template escapes
// every {{value}} (a contact named "<b>x</b>" shows as text); the plain-text one must not.
const hbs = Handlebars.create();

const HTML = `<!doctype html>
<html lang="{{lang}}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>{{subject}}</title></head>
<body style="margin:0;padding:0;background:#f4f4f1;font-family:Arial,Helvetica,sans-serif;color:#1f2a2e">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0"><tr><td align="center" style="padding:24px 12px">
<table role="presentation" width="600" cellpadding="0" cellspacing="0" style="max-width:600px;background:#ffffff;border-radius:6px">
<tr><td style="padding:24px 28px">
{{#if greeting}}<p style="margin:0 0 12px">{{greeting}}</p>{{/if}}
<p style="margin:0 0 16px">{{intro}}</p>
{{#if notice}}<p style="margin:0 0 16px;padding:10px 12px;background:#fff4e5;border-left:4px solid #d9822b">{{notice}}</p>{{/if}}
{{#each funders}}
<h2 style="font-size:18px;margin:20px 0 8px;border-bottom:2px solid #2b6f77;padding-bottom:4px">{{name}}</h2>
{{#each agreements}}
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="margin:0 0 14px;border:1px solid #dfe3e4;border-radius:4px">
<tr><td style="padding:12px 14px">
<p style="margin:0 0 4px;font-weight:bold">{{title}}</p>
<p style="margin:0 0 2px;font-size:13px">{{@root.t.programme}}{{@root.t.colon}}{{programme}} · {{@root.t.externalRef}}{{@root.t.colon}}{{externalRef}}</p>
<p style="margin:0 0 10px;font-size:13px">{{@root.t.referenceCode}}{{@root.t.colon}}<strong style="font-family:monospace;font-size:15px">{{referenceCode}}</strong></p>
{{#each obligations}}
<p style="margin:0 0 8px"><strong>{{kind}}</strong> — {{@root.t.due}}{{@root.t.colon}}{{dueDate}} (<span{{#if late}} style="color:#b3261e"{{/if}}>{{when}}</span>)<br>
<span style="font-size:13px">{{toneText}}</span> <a href="{{link}}" style="font-size:13px;color:#2b6f77">{{@root.t.declare}}</a></p>
{{/each}}
</td></tr></table>
{{/each}}
{{/each}}
<h3 style="font-size:15px;margin:18px 0 6px">{{t.howToTitle}}</h3>
<ol style="margin:0 0 14px;padding-left:20px;font-size:14px">{{#each t.howTo}}<li>{{this}}</li>{{/each}}</ol>
<p style="margin:0 0 14px"><a href="{{pageLink}}" style="color:#2b6f77">{{t.yourPage}}</a></p>
<p style="margin:0;font-size:12px;color:#5f6b6d">{{t.footer}} {{t.preferences}}</p>
</td></tr></table>
</td></tr></table>
</body>
</html>
`;

const TEXT = `{{#if greeting}}{{greeting}}

{{/if}}{{intro}}
{{#if notice}}
{{notice}}
{{/if}}
{{#each funders}}

== {{name}} ==
{{#each agreements}}

* {{title}}
  {{@root.t.programme}}{{@root.t.colon}}{{programme}}
  {{@root.t.externalRef}}{{@root.t.colon}}{{externalRef}}
  {{@root.t.referenceCode}}{{@root.t.colon}}{{referenceCode}}
{{#each obligations}}
  - {{kind}} — {{@root.t.due}}{{@root.t.colon}}{{dueDate}} ({{when}})
    {{toneText}}
    {{@root.t.declare}}{{@root.t.colon}}{{link}}
{{/each}}
{{/each}}
{{/each}}

{{t.howToTitle}}
{{#each steps}}
{{n}}. {{text}}
{{/each}}

{{t.yourPage}}{{t.colon}}{{pageLink}}

--
{{t.footer}} {{t.preferences}}
`;

const html = hbs.compile<DigestView>(HTML, { strict: true });
const text = hbs.compile<DigestView>(TEXT, { strict: true, noEscape: true });

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
  lang: string;
}

export function renderDigest(input: DigestInput): RenderedEmail {
  const view = digestView(input);
  return { subject: view.subject, html: html(view), text: text(view), lang: view.lang };
}
