"""``+ac`` host access control: hosts_access(5) and hosts_options(5) in pure Python.

Owns reading hosts.allow/hosts.deny and deciding whether a peer address may
connect, with Debian libwrap's semantics and DCMTK's refusal line.  Never
touches sockets and never runs commands.
"""
