#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Scale check of nimbus-controller alone (no kernel): N ports over 3 hosts
through the API, one thread per host following /events as an agent would.
Prints POST latency, how soon after each reply the event reached every
affected host's poll, the state's size, memory and restart time.  Measures,
asserts nothing; Documentation/controller.md records a run.

    tests/host/controller_bench.py [N] [BIN]        (N = 10000, BIN = build/bin)
"""
import http.client, json, time, subprocess, re, os, sys, shutil, tempfile, threading
N = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
BIN = os.path.abspath(sys.argv[2] if len(sys.argv) > 2 else "build/bin")
TMP = tempfile.mkdtemp(prefix="nimbus-controller-bench.")
open(TMP + "/admin", "w").write("adm\n")
p=subprocess.Popen([BIN+"/nimbus-controller","--listen","127.0.0.1:0","--db",TMP + "/db","--admin-token-file",TMP + "/admin"],stderr=open(TMP + "/log","w"))
while not re.search(r"listening on 127.0.0.1:(\d+)",open(TMP + "/log").read()): time.sleep(0.05)
port=int(re.search(r"listening on 127.0.0.1:(\d+)",open(TMP + "/log").read()).group(1))
c=http.client.HTTPConnection("127.0.0.1",port)
def r(m,path,body=None,tok="adm",conn=None):
    conn=conn or c
    conn.request(m,path,body=json.dumps(body) if body is not None else None,headers={"Authorization":"Bearer "+tok})
    x=conn.getresponse(); t=x.read(); return x.status, (json.loads(t) if t else None), len(t)
t=r("POST","/v1/tenants",{"name":"t"})[1]
hs=[r("POST","/v1/hosts",{"name":"h%d"%i,"underlay":["192.0.2.%d"%(i+1)]})[1] for i in range(3)]
v=r("POST","/v1/vpcs",{"name":"v"},t["token"])[1]
sn=r("POST","/v1/vpcs/%s/subnets"%v["id"],{"cidr":"10.0.0.0/16","gateway":"10.0.0.1"},t["token"])[1]
# an agent per host following /events like a real one would
stop=False; applied={}
def agent(h):
    conn=http.client.HTTPConnection("127.0.0.1",port)
    st=r("GET","/v1/hosts/%s/state"%h["id"],tok=h["token"],conn=conn)[1]; rev=st["revision"]; n=0
    while not stop:
        s,ev,_=r("GET","/v1/hosts/%s/events?since=%d&timeout=2"%(h["id"],rev),tok=h["token"],conn=conn)
        now=time.monotonic()
        for e in ev["events"]:
            if e["kind"] in ("mapping","port"): applied.setdefault((h["id"],e["object"]["ip"]),now)
        rev=ev["revision"]
ths=[threading.Thread(target=agent,args=(h,)) for h in hs]
for x in ths: x.start()
lat=[]; replied={}
t0=time.monotonic()
for i in range(N):
    a=time.monotonic()
    s,pp,_=r("POST","/v1/ports",{"vpc":v["id"],"subnet":sn["id"],"host":hs[i%3]["id"]},t["token"])
    b=time.monotonic(); lat.append(b-a); replied[pp["ip"]]=b
    assert s==201
total=time.monotonic()-t0
time.sleep(3); stop=True
for x in ths: x.join()
lat.sort()
print("N=%d total %.1fs  POST p50 %.2f ms p99 %.2f ms max %.2f ms"%(N,total,lat[len(lat)//2]*1e3,lat[int(len(lat)*.99)]*1e3,lat[-1]*1e3))
# convergence in the controller->agent path: time from reply to event arrival at each host
d=[applied[(h["id"],ip)]-replied[ip] for ip in replied for h in hs if (h["id"],ip) in applied]
d.sort(); print("events delivered: %d of %d; p50 %.2f ms p99 %.2f ms max %.2f ms"%(len(d),3*N,d[len(d)//2]*1e3,d[int(len(d)*.99)]*1e3,d[-1]*1e3))
a=time.monotonic(); s,st,n=r("GET","/v1/hosts/%s/state"%hs[0]["id"],tok=hs[0]["token"]); print("state: %d bytes in %.1f ms"%(n,(time.monotonic()-a)*1e3))
a=time.monotonic(); s,_,n=r("GET","/v1/ports",tok=t["token"]); print("list ports: %d bytes in %.1f ms"%(n,(time.monotonic()-a)*1e3))
pid=p.pid; rss=[l for l in open("/proc/%d/status"%pid) if l.startswith("VmRSS")][0].strip(); print(rss)
a=time.monotonic(); s,_,_=r("DELETE","/v1/ports/"+pp["id"],tok=t["token"]); print("delete: %.2f ms"%((time.monotonic()-a)*1e3))
p.terminate(); p.wait(); print("db", os.path.getsize(TMP + "/db"), "bytes")
a=time.monotonic()
p=subprocess.Popen([BIN+"/nimbus-controller","--listen","127.0.0.1:0","--db",TMP + "/db","--admin-token-file",TMP + "/admin"],stderr=open(TMP + "/log2","w"))
while "listening" not in open(TMP + "/log2").read(): time.sleep(0.01)
print("restart (load %d ports): %.2f s"%(N,time.monotonic()-a)); p.terminate(); p.wait()
shutil.rmtree(TMP)
