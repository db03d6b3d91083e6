"""Emails: built from templates as ``EmailMessage`` values, then delivered by a small layer.

* ``messages`` -- the plain frozen values each email is built from (an owner's
  actions, the pack's summary...), filled in by returns, packs and the scheduler;
* ``render`` -- the Jinja2 templates (a workspace's ``templates/`` overrides
  any of them) and the CSS inlining that makes the HTML safe in Outlook;
* ``build`` -- the builders: a value in, an ``EmailMessage`` out. They read no
  clock, no database and no file but the templates;
* ``headers`` -- the checks on every address and header value;
* ``config`` and ``transport`` -- the ``[mail]`` settings and the two ways a
  message leaves: the ``outbox`` Maildir folder or a sendmail-compatible
  command. Recording deliveries in the database is ``tracker.delivery``.

Nothing here imports smtplib: mail leaves through a program the
administrator configures (msmtp, sendmail), or stays in the outbox.
"""
