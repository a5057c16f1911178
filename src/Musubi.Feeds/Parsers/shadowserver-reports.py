import csv, glob, json, os
common = {
 'timestamp': ('time.source','add_UTC_to_timestamp'),
 'ip': ('source.ip','validate_ip'), 'src_ip': ('source.ip','validate_ip'), 'http_referer_ip': ('source.ip','validate_ip'),
 'port': ('source.port','convert_int'), 'src_port': ('source.port','convert_int'), 'http_referer_port': ('source.port','convert_int'),
 'asn': ('source.asn','invalidate_zero'), 'src_asn': ('source.asn','invalidate_zero'), 'http_referer_asn': ('source.asn','invalidate_zero'),
 'geo': ('source.geolocation.cc',None), 'src_geo': ('source.geolocation.cc',None), 'http_referer_geo': ('source.geolocation.cc',None),
 'region': ('source.geolocation.region',None), 'src_region': ('source.geolocation.region',None), 'http_referer_region': ('source.geolocation.region',None),
 'city': ('source.geolocation.city',None), 'src_city': ('source.geolocation.city',None), 'http_referer_city': ('source.geolocation.city',None),
 'hostname': ('source.reverse_dns',None), 'src_hostname': ('source.reverse_dns',None), 'http_referer_hostname': ('source.reverse_dns',None),
 'naics': ('extra.source.naics','invalidate_zero'), 'src_naics': ('extra.source.naics','invalidate_zero'), 'http_referer_naics': ('extra.source.naics','invalidate_zero'),
 'sic': ('extra.source.sic','invalidate_zero'),
 'sector': ('extra.source.sector',None), 'src_sector': ('extra.source.sector',None), 'http_referer_sector': ('extra.source.sector',None),
 'protocol': ('protocol.transport',None),
 'application': ('protocol.application',None),
 'dst_ip': ('destination.ip','validate_ip'), 'dst_port': ('destination.port','convert_int'), 'dst_asn': ('destination.asn','invalidate_zero'),
 'dst_geo': ('destination.geolocation.cc',None), 'dst_region': ('destination.geolocation.region',None), 'dst_city': ('destination.geolocation.city',None),
 'dst_hostname': ('destination.reverse_dns',None), 'dst_naics': ('extra.destination.naics','invalidate_zero'), 'dst_sector': ('extra.destination.sector',None),
 'infection': ('malware.name',None), 'family': ('malware.name',None),
 'url': ('source.url',None), 'host': ('source.fqdn',None), 'request': ('source.fqdn',None),
 'md5': ('malware.hash.md5',None), 'md5hash': ('malware.hash.md5',None), 'sha256': ('malware.hash.sha256',None),
 'http_host': ('destination.fqdn',None), 'http_agent': ('extra.user_agent',None), 'user_agent': ('extra.user_agent',None),
 'smb_implant': ('extra.','convert_bool'),
}
special = {
 'blocklist': ('other','blacklist','blacklisted-ip'),
 'compromised_website': ('intrusions','compromised','compromised-website'),
 'event4_ddos_participant': ('availability','ddos','ddos-participant'),
 'event4_honeypot_brute_force': ('intrusion-attempts','brute-force','honeypot-brute-force'),
 'event4_honeypot_ddos': ('availability','ddos','honeypot-ddos'),
 'event4_honeypot_ddos_amp': ('availability','ddos','amplification-ddos-victim'),
 'event4_honeypot_http_scan': ('information-gathering','scanner','honeypot-http-scan'),
 'event4_ip_spoofer': ('fraud','masquerade','ip-spoofer'),
 'event4_microsoft_sinkhole_http': ('malicious-code','infected-system','microsoft-sinkhole-http'),
 'event4_sinkhole': ('malicious-code','infected-system','sinkhole'),
 'event4_sinkhole_http': ('malicious-code','infected-system','sinkhole-http'),
 'event4_sinkhole_http_referer': ('other','other','sinkhole-http-referer'),
 'malware_url': ('malicious-code','malware-distribution','malware-url'),
 'phish_url': ('fraud','phishing','phish-url'),
 'sandbox_conn': ('malicious-code','malware-configuration','sandbox-conn'),
 'sandbox_dns': ('malicious-code','malware-configuration','sandbox-dns'),
 'scan_synfulknock': ('intrusions','system-compromise','synfulknock'),
 'scan_ddos_middlebox': ('vulnerable','vulnerable-system','ddos-middlebox'),
}
amplifiers = {'chargen','qotd','ntpmonitor','ssdp','mdns','portmapper','netbios','ldap_udp','ard','coap','ws_discovery','xdmcp','tftp','ubiquiti','dvr_dhcpdiscover','db2','mssql','stun','rdpeudp','netis_router'}
schema = {}
for f in sorted(glob.glob('/work/shared/corpora/feeds/shadowserver-legacy/*.csv')):
    name = os.path.basename(f)[:-4]
    header = next(csv.reader(open(f, newline='')))
    if name in special: tax, typ, ident = special[name]
    elif name.startswith('scan_'):
        s = name[5:]
        tax, typ = 'vulnerable', 'vulnerable-system'
        ident = ('open-' if s in amplifiers else 'accessible-') + s.replace('_','-')
    else: raise SystemExit(name)
    req, opt = [], []
    for col in header:
        if col in common:
            field, conv = common[col]
            entry = [field, col] + ([conv] if conv else [])
            if field == 'time.source' or (field == 'source.ip' and col in ('ip','src_ip')):
                req.append(entry)
            else:
                opt.append(entry)
        else:
            opt.append(['extra.', col])
    cons = {'classification.taxonomy': tax, 'classification.type': typ, 'classification.identifier': ident}
    if name.startswith('scan_') and name != 'scan_synfulknock':
        cons['protocol.application'] = name[5:].split('_')[0]
    schema[name] = {'file_name': name, 'feed_name': 'Shadowserver ' + name, 'constant_fields': cons, 'required_fields': req, 'optional_fields': opt}
json.dump(schema, open('/work/wt-feeds/src/Musubi.Feeds/Parsers/shadowserver-reports.json','w'), indent=1, sort_keys=False)
print(len(schema))
