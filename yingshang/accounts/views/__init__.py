"""Account pages, one module per audience: auth (everyone), team (企业管理员), sysadmin, security_admin."""
