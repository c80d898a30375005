#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""nimbus-controller on the host, no VM: the real daemon on 127.0.0.1 with a
temporary database, a real cbs-server for volumes, and nimbusctl.  Every
answer is checked against Documentation/api/openapi.yaml (its status must be
one the operation lists, its body must match the schema, which is strict), so
a drift between code and contract fails the case that met it.  KTAP output.

    controller_test.py BIN CBS_BIN

                   admin / tenant / host tokens
   this script ----------------------------------> nimbus-controller --> $tmp/db
        |        HTTP, checked against openapi.yaml        |
        +-- nimbusctl --------------------------------------+ cbs admin (v2)
                                                           v
                                                       cbs-server --> $tmp/cbs
"""
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

import jsonschema
import yaml

BIN, CBS_BIN = sys.argv[1], sys.argv[2]
ROOT = os.path.dirname(os.path.abspath(__file__)) + "/../.."
SPEC = yaml.safe_load(open(ROOT + "/Documentation/api/openapi.yaml"))
TMP = tempfile.mkdtemp(prefix="nimbus-controller-test.")
ADMIN = "admin-" + os.urandom(8).hex()
CBS_ADMIN = "cbs-admin-" + os.urandom(8).hex()
CASES = []
procs = []


class Fail(Exception):
    pass


def expect(cond, what):
    if not cond:
        raise Fail(what)


def wait_for(cond, timeout=10.0, what="condition"):
    """Poll COND until it is true (no fixed sleeps)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        v = cond()
        if v:
            return v
        time.sleep(0.02)
    raise Fail("timed out waiting for " + what)


# --- the contract ------------------------------------------------------------

ROUTES = []
for tmpl, item in SPEC["paths"].items():
    rx = "^" + re.sub(r"\{[^}]+\}", "[^/]+", tmpl) + "$"
    ROUTES.append((re.compile(rx), tmpl, item))
STATS = {"checked": 0}


def schema_of(ref_or_schema):
    s = dict(ref_or_schema)
    s["components"] = SPEC["components"]
    return s


def resolve(obj):
    while "$ref" in obj:
        name = obj["$ref"].split("/")[-1]
        kind = obj["$ref"].split("/")[-2]
        obj = SPEC["components"][kind][name]
    return obj


def check_contract(method, path, status, body_text):
    """The answer must be one the contract lists, with a body that matches."""
    p = path.split("?")[0]
    for rx, tmpl, item in ROUTES:
        if rx.match(p):
            break
    else:
        # Paths outside the contract may only answer an error.
        expect(status in (404, 401), "%s %s: %d for a path outside the contract" % (method, p, status))
        validate({"$ref": "#/components/schemas/Error"}, json.loads(body_text), method, p)
        return
    op = item.get(method.lower())
    if op is None:
        expect(status in (405, 401), "%s %s: %d for a method outside the contract" % (method, tmpl, status))
        return
    resp = op["responses"].get(str(status))
    expect(resp is not None, "%s %s answered %d, which the contract does not list" % (method, tmpl, status))
    resp = resolve(resp)
    content = resp.get("content")
    if not content:
        expect(body_text == "", "%s %s %d: a body where the contract has none" % (method, tmpl, status))
        return
    validate(content["application/json"]["schema"], json.loads(body_text), method, tmpl)


def validate(schema, body, method, tmpl):
    try:
        jsonschema.Draft202012Validator(schema_of(schema)).validate(body)
    except jsonschema.ValidationError as e:
        raise Fail("%s %s: answer does not match the contract: %s at %s" %
                   (method, tmpl, e.message, list(e.absolute_path)))
    STATS["checked"] += 1


# --- HTTP ----------------------------------------------------------------------

class Controller:
    def __init__(self, db, *extra, config=None):
        self.db = db
        self.log = open(TMP + "/controller.log", "a")
        args = [BIN + "/nimbus-controller"]
        if config:
            args += ["--config", config]
        else:
            args += ["--listen", "127.0.0.1:0", "--db", db, "--admin-token-file", TMP + "/admin"]
        args += list(extra)
        self.logpath = TMP + "/controller.%d.log" % len(procs)
        self.p = subprocess.Popen(args, stderr=open(self.logpath, "w"))
        procs.append(self.p)
        m = wait_for(lambda: re.search(r"listening on 127\.0\.0\.1:(\d+)", open(self.logpath).read())
                     or self.p.poll() is not None, what="the controller to listen")
        expect(m is not True and self.p.poll() is None, "the controller did not start: " + open(self.logpath).read())
        self.port = int(m.group(1))

    def stop(self, sig=signal.SIGTERM):
        self.p.send_signal(sig)
        rc = self.p.wait(timeout=15)
        with open(TMP + "/all.log", "a") as f:
            f.write(open(self.logpath).read())
        return rc


ctl = None


def req(method, path, body=None, token=None, raw=None, headers=None, port=None, timeout=30):
    """One request; the answer is checked against the contract.  (status, json or None)."""
    c = http.client.HTTPConnection("127.0.0.1", port or ctl.port, timeout=timeout)
    h = dict(headers or {})
    if token is not None:
        h["Authorization"] = "Bearer " + token
    data = raw if raw is not None else (json.dumps(body) if body is not None else None)
    if data is not None:
        h["Content-Type"] = "application/json"
    c.request(method, path, body=data, headers=h)
    r = c.getresponse()
    text = r.read().decode()
    c.close()
    check_contract(method, path, r.status, text)
    return r.status, (json.loads(text) if text else None)


def ok(method, path, body=None, token=ADMIN, status=None, **kw):
    st, b = req(method, path, body, token, **kw)
    want = status or {"POST": (200, 201), "DELETE": (204,)}.get(method, (200,))
    want = want if isinstance(want, tuple) else (want,)
    expect(st in want, "%s %s: %d %s, wanted %s" % (method, path, st, b, want))
    return b


def _rev():
    """The store's revision: it moves on every committed change."""
    since = 0
    while True:
        b = ok("GET", "/v1/changes?since=%d" % since)
        if not b["changes"] or b["revision"] == since:
            return b["revision"]
        since = b["revision"]


def refused(method, path, body, token, status, word=None, raw=None):
    """METHOD PATH must answer STATUS with an error message, and change nothing."""
    before = _rev()
    st, b = req(method, path, body, token, raw=raw)
    expect(st == status, "%s %s %s: %d %s, wanted %d" % (method, path, raw or body, st, b, status))
    expect(isinstance(b, dict) and b.get("error"), "no error message")
    if word:
        expect(word in b["error"], "error %r does not mention %r" % (b["error"], word))
    expect(_rev() == before, "%s %s changed the store although refused" % (method, path))
    return b


# --- cases ---------------------------------------------------------------------

def case(name):
    def deco(fn):
        CASES.append((name, fn))
        return fn
    return deco


S = {}  # what the cases create, for the ones after them


@case("store: revisions, compares that refuse a whole transaction, ranges, watch, compaction, reopen")
def _():
    d = TMP + "/store"
    os.mkdir(d)
    r = subprocess.run([BIN + "/../host/controller_store_test", d], capture_output=True, text=True, timeout=60)
    expect(r.returncode == 0, "controller_store_test: " + r.stderr)


@case("controller starts on a new database and logs its address")
def _():
    global ctl
    open(TMP + "/admin", "w").write(ADMIN + "\n")
    ctl = Controller(TMP + "/db", "--poll-timeout", "30")


@case("no token, a malformed header or an unknown token: 401 with WWW-Authenticate")
def _():
    for h in ({}, {"Authorization": "Basic abc"}, {"Authorization": "Bearer nope"}):
        c = http.client.HTTPConnection("127.0.0.1", ctl.port, timeout=10)
        c.request("GET", "/v1/vpcs", headers=h)
        r = c.getresponse()
        text = r.read().decode()
        expect(r.status == 401, "%s: %d" % (h, r.status))
        expect(r.getheader("WWW-Authenticate") == "Bearer", "no WWW-Authenticate")
        check_contract("GET", "/v1/vpcs", r.status, text)
    refused("POST", "/v1/tenants", {"name": "x"}, "wrong-" + ADMIN, 401)


@case("tenants: created with a token; validation of names and unknown fields")
def _():
    S["A"] = ok("POST", "/v1/tenants", {"name": "acme"})
    S["B"] = ok("POST", "/v1/tenants", {"name": "bobco"})
    expect(len(S["A"]["token"]) >= 32 and S["A"]["token"] != S["B"]["token"], "tokens")
    refused("POST", "/v1/tenants", {"name": "x", "colour": "red"}, ADMIN, 400, "colour")
    refused("POST", "/v1/tenants", {"name": ""}, ADMIN, 400, "name")
    refused("POST", "/v1/tenants", {"name": 5}, ADMIN, 400, "name")
    refused("POST", "/v1/tenants", None, ADMIN, 400, raw="{\"name\": ")
    refused("POST", "/v1/tenants", None, ADMIN, 400, raw="[1,2]")
    refused("POST", "/v1/tenants", None, ADMIN, 400, raw="{\"name\":\"a\",\"name\":\"b\"}")
    names = [t["name"] for t in ok("GET", "/v1/tenants")]
    expect(names == ["acme", "bobco"], names)


@case("hosts: created with an agent token; bad or duplicate underlay refused")
def _():
    S["h1"] = ok("POST", "/v1/hosts", {"name": "hv1", "underlay": ["192.0.2.1", "198.51.100.1"],
                                       "capacity": 1000000000})
    S["h2"] = ok("POST", "/v1/hosts", {"name": "hv2", "underlay": ["192.0.2.2"]})
    S["h3"] = ok("POST", "/v1/hosts", {"name": "hv3", "underlay": ["192.0.2.3"]})
    expect(S["h2"]["capacity"] == 10000000000, "default capacity")
    refused("POST", "/v1/hosts", {"name": "x", "underlay": ["192.0.2.1"]}, ADMIN, 409, "192.0.2.1")
    refused("POST", "/v1/hosts", {"name": "x", "underlay": ["2001:db8::1"]}, ADMIN, 400)
    refused("POST", "/v1/hosts", {"name": "x", "underlay": []}, ADMIN, 400)
    refused("POST", "/v1/hosts", {"name": "x", "underlay": ["192.0.2.9"], "capacity": -1}, ADMIN, 400)


@case("a tenant or host token on an admin operation: 403")
def _():
    ta, th = S["A"]["token"], S["h1"]["token"]
    refused("POST", "/v1/tenants", {"name": "x"}, ta, 403)
    refused("POST", "/v1/hosts", {"name": "x", "underlay": ["192.0.2.9"]}, ta, 403)
    refused("POST", "/v1/storage-servers", {"name": "x", "address": "127.0.0.1:1", "capacity": 1,
                                            "admin_token": "x"}, ta, 403)
    refused("GET", "/v1/hosts", None, ta, 403)
    refused("GET", "/v1/tenants", None, th, 403)
    refused("POST", "/v1/vpcs", {"name": "x"}, th, 403)
    refused("GET", "/v1/changes?since=0", None, ta, 403)


@case("VPCs: a tenant creates its own, the admin names the owner; VNIs unique")
def _():
    ta, tb = S["A"]["token"], S["B"]["token"]
    S["va"] = ok("POST", "/v1/vpcs", {"name": "prod"}, ta)
    S["vb"] = ok("POST", "/v1/vpcs", {"name": "prod", "tenant": S["B"]["id"]})
    S["va2"] = ok("POST", "/v1/vpcs", {"name": "lab"}, ta)
    vnis = {S[v]["vni"] for v in ("va", "vb", "va2")}
    expect(len(vnis) == 3 and all(1 <= v <= 16777215 for v in vnis), vnis)
    expect(S["va"]["tenant"] == S["A"]["id"] and S["vb"]["tenant"] == S["B"]["id"], "owners")
    refused("POST", "/v1/vpcs", {"name": "x"}, ADMIN, 400, "tenant")
    refused("POST", "/v1/vpcs", {"name": "x", "tenant": S["B"]["id"]}, ta, 400, "tenant")
    refused("POST", "/v1/vpcs", {"name": "x", "tenant": "t-nope"}, ADMIN, 404)


@case("subnets: IPv4 and IPv6; bad CIDR, gateway outside or reserved 400; overlap 409")
def _():
    ta, tb = S["A"]["token"], S["B"]["token"]
    va, vb = S["va"]["id"], S["vb"]["id"]
    S["sa4"] = ok("POST", "/v1/vpcs/%s/subnets" % va, {"cidr": "10.0.0.0/24", "gateway": "10.0.0.1",
                                                       "dns": ["10.0.0.53"], "domain": "a.example"}, ta)
    S["sa6"] = ok("POST", "/v1/vpcs/%s/subnets" % va, {"cidr": "2001:db8:0:1::/64",
                                                       "gateway": "2001:db8:0:1::1"}, ta)
    # The same prefix in another tenant's VPC is no overlap.
    S["sb4"] = ok("POST", "/v1/vpcs/%s/subnets" % vb, {"cidr": "10.0.0.0/24", "gateway": "10.0.0.1"}, tb)
    expect(S["sa6"]["cidr"] == "2001:db8:0:1::/64" and S["sa6"]["domain"] is None, S["sa6"])
    url = "/v1/vpcs/%s/subnets" % va
    refused("POST", url, {"cidr": "10.1.0.0/33", "gateway": "10.1.0.1"}, ta, 400, "cidr")
    refused("POST", url, {"cidr": "10.1.0.1/24", "gateway": "10.1.0.2"}, ta, 400, "host bits")
    refused("POST", url, {"cidr": "banana", "gateway": "10.1.0.2"}, ta, 400, "cidr")
    refused("POST", url, {"cidr": "10.1.0.0/24", "gateway": "10.2.0.1"}, ta, 400, "gateway")
    refused("POST", url, {"cidr": "10.1.0.0/24", "gateway": "10.1.0.0"}, ta, 400, "gateway")
    refused("POST", url, {"cidr": "10.1.0.0/24", "gateway": "10.1.0.255"}, ta, 400, "gateway")
    refused("POST", url, {"cidr": "2001:db8:0:2::/64", "gateway": "2001:db8:0:2::"}, ta, 400, "gateway")
    refused("POST", url, {"cidr": "10.1.0.0/24", "gateway": "2001:db8::1"}, ta, 400, "gateway")
    refused("POST", url, {"cidr": "10.0.0.128/25", "gateway": "10.0.0.129"}, ta, 409, "overlaps")
    refused("POST", url, {"cidr": "10.0.0.0/8", "gateway": "10.9.0.1"}, ta, 409, "overlaps")
    refused("POST", url, {"cidr": "2001:db8::/48", "gateway": "2001:db8::1"}, ta, 409, "overlaps")
    refused("POST", url, {"cidr": "10.1.0.0/24", "gateway": "10.1.0.1", "dns": ["x"]}, ta, 400, "dns")
    refused("POST", url, {"cidr": "10.1.0.0/24", "gateway": "10.1.0.1", "mtu": 1400}, ta, 400, "mtu")
    lst = ok("GET", url, token=ta)
    expect([s["id"] for s in lst] == [S["sa4"]["id"], S["sa6"]["id"]], lst)


@case("routes: via inside a subnet; a prefix inside a subnet or a duplicate refused")
def _():
    ta, va = S["A"]["token"], S["va"]["id"]
    url = "/v1/vpcs/%s/routes" % va
    S["ra"] = ok("POST", url, {"cidr": "0.0.0.0/0", "via": "10.0.0.5"}, ta)
    refused("POST", url, {"cidr": "0.0.0.0/0", "via": "10.0.0.6"}, ta, 409)
    refused("POST", url, {"cidr": "192.168.0.0/16", "via": "10.9.0.5"}, ta, 400, "via")
    refused("POST", url, {"cidr": "192.168.0.0/16", "via": "10.0.0.1"}, ta, 400, "via")
    refused("POST", url, {"cidr": "10.0.0.0/25", "via": "10.0.0.5"}, ta, 400, "inside")
    refused("POST", url, {"cidr": "2001:db8:99::/48", "via": "10.0.0.5"}, ta, 400, "family")
    ok("POST", url, {"cidr": "2001:db8:99::/48", "via": "2001:db8:0:1::10"}, ta)


@case("ports: first free IP (gateway skipped), unique MAC and ifname, IPv6 too")
def _():
    ta = S["A"]["token"]
    va, sa4, sa6 = S["va"]["id"], S["sa4"]["id"], S["sa6"]["id"]
    p1 = ok("POST", "/v1/ports", {"vpc": va, "subnet": sa4, "host": S["h1"]["id"]}, ta)
    p2 = ok("POST", "/v1/ports", {"vpc": va, "subnet": sa4, "host": S["h2"]["id"]}, ta)
    p6 = ok("POST", "/v1/ports", {"vpc": va, "subnet": sa6, "host": S["h2"]["id"]}, ta)
    expect((p1["ip"], p2["ip"], p6["ip"]) == ("10.0.0.2", "10.0.0.3", "2001:db8:0:1::2"),
           (p1["ip"], p2["ip"], p6["ip"]))
    macs = {p["mac"] for p in (p1, p2, p6)}
    expect(len(macs) == 3, macs)
    for p in (p1, p2, p6):
        first = int(p["mac"][:2], 16)
        expect(first & 2 and not first & 1, "not locally administered unicast: " + p["mac"])
        expect(len(p["ifname"]) <= 15, p["ifname"])
    expect(len({p["ifname"] for p in (p1, p2, p6)}) == 3, "ifnames")
    S["p1"], S["p2"], S["p6"] = p1, p2, p6
    # A freed address is handed out again, lowest first.
    p3 = ok("POST", "/v1/ports", {"vpc": va, "subnet": sa4, "host": S["h1"]["id"]}, ta)
    ok("DELETE", "/v1/ports/" + p2["id"], token=ta)
    p4 = ok("POST", "/v1/ports", {"vpc": va, "subnet": sa4, "host": S["h2"]["id"],
                                  "mac": p2["mac"].upper()}, ta)
    expect(p3["ip"] == "10.0.0.4" and p4["ip"] == "10.0.0.3" and p4["mac"] == p2["mac"], (p3, p4))
    S["p2"], S["p3"] = p4, p3


@case("ports: IP outside the subnet or reserved 400, IP or MAC taken 409, bad MAC 400")
def _():
    ta = S["A"]["token"]
    va, sa4 = S["va"]["id"], S["sa4"]["id"]
    base = {"vpc": va, "subnet": sa4, "host": S["h1"]["id"]}
    refused("POST", "/v1/ports", dict(base, ip="10.0.1.7"), ta, 400, "10.0.1.7")
    refused("POST", "/v1/ports", dict(base, ip="10.0.0.1"), ta, 400, "10.0.0.1")
    refused("POST", "/v1/ports", dict(base, ip="10.0.0.255"), ta, 400)
    refused("POST", "/v1/ports", dict(base, ip="300.0.0.1"), ta, 400)
    refused("POST", "/v1/ports", dict(base, ip=S["p1"]["ip"]), ta, 409, S["p1"]["ip"])
    refused("POST", "/v1/ports", dict(base, mac=S["p1"]["mac"]), ta, 409, S["p1"]["mac"])
    refused("POST", "/v1/ports", dict(base, mac="01:00:5e:00:00:01"), ta, 400, "mac")
    refused("POST", "/v1/ports", dict(base, mac="02:76:70:%02x:%02x:%02x" % (
        S["va"]["vni"] >> 16, (S["va"]["vni"] >> 8) & 255, S["va"]["vni"] & 255)), ta, 400, "gateway")
    refused("POST", "/v1/ports", dict(base, mac="zz:00:00:00:00:01"), ta, 400, "mac")
    refused("POST", "/v1/ports", dict(base, vlan=5), ta, 400, "vlan")
    refused("POST", "/v1/ports", dict(base, subnet=S["sb4"]["id"]), ta, 404)
    refused("POST", "/v1/ports", dict(base, host="h-nope"), ta, 404)
    refused("POST", "/v1/ports", dict(base, allowed_address_pairs=[{"ip": "fe80::1"}]), ta, 400)
    refused("POST", "/v1/ports", dict(base, allowed_address_pairs=[{"ip": "10.5.0.1/16"}]), ta, 400)
    # A pair's own MAC: unicast, and only for one address (a VIP); at most 8 VIPs.
    refused("POST", "/v1/ports", dict(base, allowed_address_pairs=[
        {"ip": "10.7.0.0/16", "mac": "00:00:5e:00:01:33"}]), ta, 400, "mac")
    refused("POST", "/v1/ports", dict(base, allowed_address_pairs=[
        {"ip": "10.0.0.200", "mac": "01:00:5e:00:01:33"}]), ta, 400, "mac")
    refused("POST", "/v1/ports", dict(base, allowed_address_pairs=[
        {"ip": "10.0.0.%d" % (200 + i)} for i in range(9)]), ta, 400, "VIPs")
    refused("POST", "/v1/ports", dict(base, qos={"egress": {"min": 5, "max": 4}}), ta, 400, "max")
    refused("POST", "/v1/ports", dict(base, qos={"egress": {"rate": 5}}), ta, 400, "rate")


@case("QoS: guaranteed rates add up per host and direction; beyond capacity 409")
def _():
    ta = S["A"]["token"]
    base = {"vpc": S["va"]["id"], "subnet": S["sa4"]["id"], "host": S["h1"]["id"]}
    q = ok("POST", "/v1/ports", dict(base, qos={"egress": {"min": 600000000, "max": 800000000},
                                                "ingress": {"min": 100}},
                                     allowed_address_pairs=[{"ip": "10.7.0.0/16"}, {"ip": "10.0.0.200"}]), ta)
    expect(q["qos"]["egress"] == {"min": 600000000, "max": 800000000, "burst": 0}, q["qos"])
    refused("POST", "/v1/ports", dict(base, qos={"egress": {"min": 400000001}}), ta, 409, "capacity")
    # The other direction, and another host, still have room.
    q2 = ok("POST", "/v1/ports", dict(base, qos={"ingress": {"min": 900000000}}), ta)
    ok("DELETE", "/v1/ports/" + q2["id"], token=ta)
    refused("PATCH", "/v1/ports/" + S["p1"]["id"], {"qos": {"egress": {"min": 500000000}}}, ta, 409)
    S["q"] = q


@case("PATCH a port: QoS merged, address pairs replaced, immutable fields refused")
def _():
    ta, pid = S["A"]["token"], S["q"]["id"]
    p = ok("PATCH", "/v1/ports/" + pid, {"qos": {"ingress": {"max": 5000}},
                                          "allowed_address_pairs": []}, ta)
    expect(p["qos"]["egress"]["min"] == 600000000 and p["qos"]["ingress"] == {"min": 100, "max": 5000, "burst": 0},
           p["qos"])
    expect(p["allowed_address_pairs"] == [], p)
    p = ok("PATCH", "/v1/ports/" + pid, {"allowed_address_pairs": [
        {"ip": "10.0.0.201/32", "mac": "00:00:5E:00:01:33"}, {"ip": "10.7.0.0/16"}]}, ta)
    expect(p["allowed_address_pairs"] == [{"ip": "10.0.0.201", "mac": "00:00:5e:00:01:33"},
                                          {"ip": "10.7.0.0/16"}], p)
    refused("PATCH", "/v1/ports/" + pid, {"ip": "10.0.0.99"}, ta, 400, "ip")
    refused("PATCH", "/v1/ports/" + pid, {}, ta, 400)
    refused("PATCH", "/v1/ports/" + pid, {"host": "h-nope"}, ta, 404)
    ok("DELETE", "/v1/ports/" + pid, token=ta)


@case("deleting a VPC with ports, a subnet with ports, a host with ports: 409")
def _():
    ta = S["A"]["token"]
    refused("DELETE", "/v1/vpcs/" + S["va"]["id"], None, ta, 409, "ports")
    refused("DELETE", "/v1/subnets/" + S["sa4"]["id"], None, ta, 409, "ports")
    refused("DELETE", "/v1/hosts/" + S["h1"]["id"], None, ADMIN, 409)
    # A VPC without ports goes, with its subnets and routes.
    v = ok("POST", "/v1/vpcs", {"name": "tmp"}, ta)
    sn = ok("POST", "/v1/vpcs/%s/subnets" % v["id"], {"cidr": "10.9.0.0/24", "gateway": "10.9.0.1"}, ta)
    ok("POST", "/v1/vpcs/%s/routes" % v["id"], {"cidr": "0.0.0.0/0", "via": "10.9.0.9"}, ta)
    ok("DELETE", "/v1/vpcs/" + v["id"], token=ta)
    req_st = req("GET", "/v1/subnets/" + sn["id"], token=ta)[0]
    expect(req_st == 404, "the VPC's subnet outlived it")


@case("a tenant cannot read, list, change or delete another tenant's VPC, subnet, route or port (404)")
def _():
    tb = S["B"]["token"]
    for path in ("/v1/vpcs/" + S["va"]["id"], "/v1/subnets/" + S["sa4"]["id"],
                 "/v1/routes/" + S["ra"]["id"], "/v1/ports/" + S["p1"]["id"],
                 "/v1/vpcs/%s/subnets" % S["va"]["id"], "/v1/vpcs/%s/routes" % S["va"]["id"],
                 "/v1/tenants/" + S["A"]["id"], "/v1/ports?vpc=" + S["va"]["id"]):
        refused("GET", path, None, tb, 404)
    for path in ("/v1/vpcs/" + S["va"]["id"], "/v1/subnets/" + S["sa4"]["id"],
                 "/v1/routes/" + S["ra"]["id"], "/v1/ports/" + S["p1"]["id"]):
        refused("DELETE", path, None, tb, 404)
    refused("PATCH", "/v1/ports/" + S["p1"]["id"], {"qos": {}}, tb, 404)
    refused("POST", "/v1/vpcs/%s/subnets" % S["va"]["id"], {"cidr": "10.8.0.0/24", "gateway": "10.8.0.1"}, tb, 404)
    refused("POST", "/v1/ports", {"vpc": S["va"]["id"], "subnet": S["sa4"]["id"], "host": S["h1"]["id"]}, tb, 404)
    mine = {v["id"] for v in ok("GET", "/v1/vpcs", token=tb)}
    expect(mine == {S["vb"]["id"]}, mine)
    expect(ok("GET", "/v1/ports", token=tb) == [], "B sees ports")
    expect(len(ok("GET", "/v1/ports", token=S["A"]["token"])) == 4, "A's ports")
    expect(len(ok("GET", "/v1/vpcs")) == 3, "the admin sees every VPC")


@case("host state: the host, its VPCs with subnets and routes, its ports, remote mappings")
def _():
    st = ok("GET", "/v1/hosts/%s/state" % S["h1"]["id"], token=S["h1"]["token"])
    expect(st["host"]["underlay"] == ["192.0.2.1", "198.51.100.1"], st["host"])
    expect([v["vni"] for v in st["vpcs"]] == [S["va"]["vni"]], st["vpcs"])
    vpc = st["vpcs"][0]
    expect([s["cidr"] for s in vpc["subnets"]] == ["2001:db8:0:1::/64", "10.0.0.0/24"], vpc["subnets"])
    expect(vpc["subnets"][1]["dns"] == ["10.0.0.53"] and vpc["subnets"][1]["domain"] == "a.example", vpc)
    expect({r["cidr"] for r in vpc["routes"]} == {"0.0.0.0/0", "2001:db8:99::/48"}, vpc["routes"])
    expect(sorted(p["ip"] for p in st["ports"]) == ["10.0.0.2", "10.0.0.4"], st["ports"])
    maps = {m["ip"]: m for m in st["mappings"]}
    expect(set(maps) == {"10.0.0.3", "2001:db8:0:1::2"}, maps)
    expect(maps["10.0.0.3"]["underlay"] == ["192.0.2.2"] and maps["10.0.0.3"]["mac"] == S["p2"]["mac"], maps)
    expect(st["volumes"] == [], st["volumes"])
    S["rev1"] = st["revision"]
    st3 = ok("GET", "/v1/hosts/%s/state" % S["h3"]["id"], token=S["h3"]["token"])
    expect(st3["vpcs"] == [] and st3["ports"] == [] and st3["mappings"] == [], st3)


@case("host tokens: only their own state (404 for others'), tenants 403; mappings of their VPCs only")
def _():
    h1, h2, h3 = S["h1"], S["h2"], S["h3"]
    refused("GET", "/v1/hosts/%s/state" % h2["id"], None, h1["token"], 404)
    refused("GET", "/v1/hosts/%s/events?since=0" % h2["id"], None, h1["token"], 404)
    refused("GET", "/v1/hosts/%s/state" % h1["id"], None, S["A"]["token"], 403)
    refused("GET", "/v1/hosts/" + h1["id"], None, S["A"]["token"], 403)
    refused("GET", "/v1/vpcs", None, h1["token"], 403)
    m = ok("GET", "/v1/vpcs/%s/mappings/10.0.0.3" % S["va"]["id"], token=h1["token"])
    expect(m["mac"] == S["p2"]["mac"] and m["host"] == h2["id"] and m["vni"] == S["va"]["vni"], m)
    m6 = ok("GET", "/v1/vpcs/%s/mappings/2001:db8:0:1:0::2" % S["va"]["id"], token=h1["token"])
    expect(m6["ip"] == "2001:db8:0:1::2", m6)
    refused("GET", "/v1/vpcs/%s/mappings/10.0.0.3" % S["va"]["id"], None, h3["token"], 404)
    refused("GET", "/v1/vpcs/%s/mappings/10.0.0.3" % S["vb"]["id"], None, h1["token"], 404)
    refused("GET", "/v1/vpcs/%s/mappings/10.0.0.99" % S["va"]["id"], None, h1["token"], 404)
    refused("GET", "/v1/vpcs/%s/mappings/10.0.0.3" % S["va"]["id"], None, S["A"]["token"], 403)
    refused("GET", "/v1/vpcs/%s/mappings/banana" % S["va"]["id"], None, h1["token"], 400)


def poll(path, token, out):
    t0 = time.monotonic()
    out["result"] = req("GET", path, token=token, timeout=60)
    out["took"] = time.monotonic() - t0


def watchers(host):
    return ok("GET", "/v1/hosts/" + host)["watchers"]


def start_poll(path, token, host=None):
    """Send a long poll from a thread; wait until the controller holds it."""
    out = {}
    n = watchers(host) if host else 0
    t = threading.Thread(target=poll, args=(path, token, out))
    t.start()
    if host:
        wait_for(lambda: watchers(host) > n or not t.is_alive(), what="the poll to be held")
    return t, out


@case("long poll: held while nothing changes, answered at the timeout with the same revision")
def _():
    h1 = S["h1"]
    rev = ok("GET", "/v1/hosts/%s/state" % h1["id"], token=h1["token"])["revision"]
    t0 = time.monotonic()
    st = ok("GET", "/v1/hosts/%s/state?since=%d&timeout=1" % (h1["id"], rev), token=h1["token"])
    took = time.monotonic() - t0
    expect(st["revision"] == rev and 0.9 <= took < 3, (st["revision"], rev, took))
    t0 = time.monotonic()
    ev = ok("GET", "/v1/hosts/%s/events?since=%d&timeout=1" % (h1["id"], rev), token=h1["token"])
    took = time.monotonic() - t0
    expect(ev == {"revision": rev, "events": []} and 0.9 <= took < 3, (ev, took))
    # Without since, or with an older one, answered at once.
    t0 = time.monotonic()
    ok("GET", "/v1/hosts/%s/state?since=%d&timeout=5" % (h1["id"], rev - 1), token=h1["token"])
    expect(time.monotonic() - t0 < 1, "an old since was held")
    refused("GET", "/v1/hosts/%s/state?since=-1" % h1["id"], None, h1["token"], 400)
    refused("GET", "/v1/hosts/%s/state?since=1&colour=red" % h1["id"], None, h1["token"], 400)
    refused("GET", "/v1/hosts/%s/events" % h1["id"], None, h1["token"], 400, "since")


@case("long poll: woken at once by a change to the host's state, not by another host's")
def _():
    h1, h3, ta = S["h1"], S["h3"], S["A"]["token"]
    rev = ok("GET", "/v1/hosts/%s/state" % h1["id"], token=h1["token"])["revision"]
    # A change that concerns only h3 (a VPC h1 has no port of) must not wake h1.
    t, out = start_poll("/v1/hosts/%s/state?since=%d&timeout=2" % (h1["id"], rev), h1["token"], h1["id"])
    t3, out3 = start_poll("/v1/hosts/%s/state?since=%d&timeout=20" % (h3["id"], rev), h3["token"], h3["id"])
    other = ok("POST", "/v1/vpcs/%s/subnets" % S["va2"]["id"], {"cidr": "10.2.0.0/24", "gateway": "10.2.0.1"}, ta)
    p = ok("POST", "/v1/ports", {"vpc": S["va2"]["id"], "subnet": other["id"], "host": h3["id"]}, ta)
    t3.join(10)
    expect("result" in out3 and out3["result"][1]["revision"] > rev, "h3's poll was not woken")
    expect(out3["took"] < 5, "h3 woken after %.2f s" % out3["took"])
    t.join(10)
    expect(out["result"][1]["revision"] == rev and out["took"] >= 1.9,
           "h1's poll was woken by h3's change (%.2f s)" % out["took"])
    # A port in h1's VPC on another host wakes h1 (a new mapping) promptly.
    t, out = start_poll("/v1/hosts/%s/state?since=%d&timeout=20" % (h1["id"], rev), h1["token"], h1["id"])
    q = ok("POST", "/v1/ports", {"vpc": S["va"]["id"], "subnet": S["sa4"]["id"], "host": h3["id"]}, ta)
    t.join(10)
    st = out["result"][1]
    expect(out["took"] < 5 and st["revision"] > rev, "h1 not woken (%.2f s)" % out["took"])
    expect(q["ip"] in {m["ip"] for m in st["mappings"]}, "the new port's mapping is missing")
    S["p_h3"], S["p_other"] = q, p


@case("events since a revision: the host's changes in order, and revision to go on from")
def _():
    h1, h3, ta = S["h1"], S["h3"], S["A"]["token"]
    rev = ok("GET", "/v1/hosts/%s/state" % h1["id"], token=h1["token"])["revision"]
    t, out = start_poll("/v1/hosts/%s/events?since=%d&timeout=20" % (h1["id"], rev), h1["token"], h1["id"])
    # Move the h3 port to h2, then delete it: h1 sees the mapping move, then go.
    ok("PATCH", "/v1/ports/" + S["p_h3"]["id"], {"host": S["h2"]["id"]}, ta)
    t.join(10)
    ev = out["result"][1]
    expect(out["took"] < 5 and len(ev["events"]) >= 1, ev)
    e = ev["events"][0]
    expect(e["type"] == "put" and e["kind"] == "mapping" and e["object"]["underlay"] == ["192.0.2.2"], e)
    ok("DELETE", "/v1/ports/" + S["p_h3"]["id"], token=ta)
    ev2 = ok("GET", "/v1/hosts/%s/events?since=%d" % (h1["id"], ev["revision"]), token=h1["token"])
    expect([(x["type"], x["kind"], x["object"]["ip"]) for x in ev2["events"]] ==
           [("delete", "mapping", S["p_h3"]["ip"])], ev2)
    # From the older revision: both, in revision order.
    ev3 = ok("GET", "/v1/hosts/%s/events?since=%d" % (h1["id"], rev), token=h1["token"])
    revs = [x["revision"] for x in ev3["events"]]
    expect(revs == sorted(revs) and len(revs) == 2 and ev3["revision"] == ev2["revision"], ev3)
    # h3 lost its last port of the VPC: the VPC goes from h3 (and with it its mappings).
    ev4 = ok("GET", "/v1/hosts/%s/events?since=%d" % (h3["id"], rev), token=h3["token"])
    expect(("delete", "vpc", S["va"]["vni"]) in [(x["type"], x["kind"], x["object"].get("vni"))
                                                 for x in ev4["events"]], ev4)
    # Applying the events to the old state gives the new state.
    expect(ok("GET", "/v1/hosts/%s/state" % h1["id"], token=h1["token"])["revision"] == ev3["revision"], "revision")
    refused("GET", "/v1/hosts/%s/events?since=%d" % (h1["id"], 10 ** 9), None, h1["token"], 410)


@case("a port deleted from a host that keeps other ports of its VPC: only the port goes there")
def _():
    h1, ta = S["h1"], S["A"]["token"]
    p1 = ok("POST", "/v1/ports", {"vpc": S["va"]["id"], "subnet": S["sa4"]["id"], "host": h1["id"]}, ta)
    p2 = ok("POST", "/v1/ports", {"vpc": S["va"]["id"], "subnet": S["sa4"]["id"], "host": h1["id"]}, ta)
    rev = ok("GET", "/v1/hosts/%s/state" % h1["id"], token=h1["token"])["revision"]
    ok("DELETE", "/v1/ports/" + p1["id"], token=ta)
    ev = ok("GET", "/v1/hosts/%s/events?since=%d" % (h1["id"], rev), token=h1["token"])
    expect([(x["type"], x["kind"], x["object"].get("ip")) for x in ev["events"]] ==
           [("delete", "port", p1["ip"])], ev)
    ok("DELETE", "/v1/ports/" + p2["id"], token=ta)


@case("a change to another tenant's VPC on the same host does not touch the host's state of this one")
def _():
    h1, tb = S["h1"], S["B"]["token"]
    rev = ok("GET", "/v1/hosts/%s/state" % h1["id"], token=h1["token"])["revision"]
    pb = ok("POST", "/v1/ports", {"vpc": S["vb"]["id"], "subnet": S["sb4"]["id"], "host": h1["id"]}, tb)
    # Same IP as A's first port, another VPC: no conflict.
    expect(pb["ip"] == "10.0.0.2", pb)
    ev = ok("GET", "/v1/hosts/%s/events?since=%d" % (h1["id"], rev), token=h1["token"])
    kinds = [(x["kind"], x["object"].get("vni")) for x in ev["events"]]
    expect(kinds == [("vpc", S["vb"]["vni"]), ("port", S["vb"]["vni"])], kinds)
    # h2 has no port of B's VPC: its state did not move.
    st2 = ok("GET", "/v1/hosts/%s/state" % S["h2"]["id"], token=S["h2"]["token"])
    expect(st2["revision"] < ev["revision"], "h2's state revision moved")
    S["pb"] = pb


@case("agent status: a host reports what it applied; the admin reads it")
def _():
    h1 = S["h1"]
    st = ok("POST", "/v1/hosts/%s/status" % h1["id"], {"revision": 7, "errors": ["port np1: no device"]},
            token=h1["token"])
    expect(st["revision"] == 7 and st["errors"] == ["port np1: no device"], st)
    h = ok("GET", "/v1/hosts/" + h1["id"])
    expect(h["status"]["revision"] == 7, h)
    refused("POST", "/v1/hosts/%s/status" % S["h2"]["id"], {"revision": 1}, h1["token"], 404)
    refused("POST", "/v1/hosts/%s/status" % h1["id"], {"revision": "x"}, h1["token"], 400)
    refused("POST", "/v1/hosts/%s/status" % h1["id"], {"revision": 1}, ADMIN, 403)


@case("VIP claims: validated, owner recorded, the VIP's mapping moved on the other hosts only")
def _():
    h1, h2, h3, ta = S["h1"], S["h2"], S["h3"], S["A"]["token"]
    v = ok("POST", "/v1/vpcs", {"name": "vips"}, ta)
    sn = ok("POST", "/v1/vpcs/%s/subnets" % v["id"], {"cidr": "10.1.0.0/24", "gateway": "10.1.0.1"}, ta)
    vip, vmac = "10.1.0.100", "00:00:5e:00:01:33"
    base = {"vpc": v["id"], "subnet": sn["id"]}
    pv1 = ok("POST", "/v1/ports", dict(base, host=h1["id"], allowed_address_pairs=[{"ip": vip, "mac": vmac}]), ta)
    pv2 = ok("POST", "/v1/ports", dict(base, host=h2["id"], allowed_address_pairs=[{"ip": vip}]), ta)
    pv3 = ok("POST", "/v1/ports", dict(base, host=h3["id"]), ta)
    path = "/v1/hosts/%s/claims"
    claim1 = {"vpc": v["id"], "ip": vip, "ifname": pv1["ifname"]}
    rev = _rev()
    # Refused, nothing changed: bad values, another host's port, a port not allowed the VIP.
    refused("POST", path % h1["id"], dict(claim1, ip="10.1.0.x"), h1["token"], 400, "ip")
    refused("POST", path % h1["id"], dict(claim1, mac=vmac), h1["token"], 400, "mac")
    refused("POST", path % h1["id"], {"vpc": v["id"], "ip": vip}, h1["token"], 400, "ifname")
    refused("POST", path % h1["id"], dict(claim1, ifname=pv2["ifname"]), h1["token"], 409, pv2["ifname"])
    refused("POST", path % h2["id"], claim1, h1["token"], 404)
    refused("POST", path % h3["id"], dict(claim1, ifname=pv3["ifname"]), h3["token"], 409, "not allowed")
    refused("POST", path % h1["id"], dict(claim1, ip="10.1.0.101"), h1["token"], 409, "not allowed")
    refused("POST", path % h1["id"], dict(claim1, vpc=S["vb"]["id"]), h1["token"], 409, "vpc")
    refused("POST", path % h2["id"], dict(claim1, vpc=S["vb"]["id"], ifname=pv2["ifname"]), h2["token"], 404)
    refused("POST", path % h1["id"], claim1, ta, 403)
    refused("POST", path % h1["id"], claim1, ADMIN, 403)
    expect(_rev() == rev, "a refused claim changed the revision")
    refused("GET", "/v1/vpcs/%s/mappings/%s" % (v["id"], vip), None, h3["token"], 404)

    def events(h, since):
        ev = ok("GET", "/v1/hosts/%s/events?since=%d&timeout=0" % (h["id"], since), token=h["token"])
        return [(x["type"], x["kind"], x["object"].get("ip"), x["object"].get("underlay", [None])[0],
                 x["object"].get("mac")) for x in ev["events"]]

    # h1's port claims: h2 and h3 map the VIP to h1 with the pair's MAC; h1 hears nothing.
    m = ok("POST", path % h1["id"], claim1, h1["token"])
    expect(m["host"] == h1["id"] and m["port"] == pv1["id"] and m["mac"] == vmac and m["vni"] == v["vni"], m)
    expect(_rev() == rev + 1, "a claim is one revision")
    for h in (h2, h3):
        expect(events(h, rev) == [("put", "mapping", vip, "192.0.2.1", vmac)], events(h, rev))
    expect(events(h1, rev) == [], events(h1, rev))
    st3 = ok("GET", "/v1/hosts/%s/state" % h3["id"], token=h3["token"])
    expect([x["host"] for x in st3["mappings"] if x["ip"] == vip] == [h1["id"]], st3["mappings"])
    st1 = ok("GET", "/v1/hosts/%s/state" % h1["id"], token=h1["token"])
    expect(vip not in [x["ip"] for x in st1["mappings"]], st1["mappings"])
    # The owner claiming again changes nothing.
    ok("POST", path % h1["id"], claim1, h1["token"])
    expect(_rev() == rev + 1, "a repeated claim changed the revision")

    # h2's port claims: h1 and h3 map it to h2 with that port's MAC; h2 drops its mapping.
    rev = _rev()
    m = ok("POST", path % h2["id"], dict(claim1, ifname=pv2["ifname"]), h2["token"])
    expect(m["host"] == h2["id"] and m["mac"] == pv2["mac"], m)
    for h in (h1, h3):
        expect(events(h, rev) == [("put", "mapping", vip, "192.0.2.2", pv2["mac"])], events(h, rev))
    expect(events(h2, rev) == [("delete", "mapping", vip, "192.0.2.1", vmac)], events(h2, rev))
    m = ok("GET", "/v1/vpcs/%s/mappings/%s" % (v["id"], vip), token=h3["token"])
    expect(m["host"] == h2["id"] and m["port"] == pv2["id"], m)
    # The VPC's view shows no internals.
    expect("_vips" not in ok("GET", "/v1/vpcs/" + v["id"], token=ta), "the VPC shows _vips")

    # The owner loses its pair: the VIP leaves the other hosts; it gets it back: back there.
    rev = _rev()
    ok("PATCH", "/v1/ports/" + pv2["id"], {"allowed_address_pairs": []}, ta)
    for h in (h1, h3):
        expect(events(h, rev) == [("delete", "mapping", vip, "192.0.2.2", pv2["mac"])], events(h, rev))
    refused("GET", "/v1/vpcs/%s/mappings/%s" % (v["id"], vip), None, h3["token"], 404)
    rev = _rev()
    ok("PATCH", "/v1/ports/" + pv2["id"], {"allowed_address_pairs": [{"ip": vip}]}, ta)
    for h in (h1, h3):
        expect(events(h, rev) == [("put", "mapping", vip, "192.0.2.2", pv2["mac"])], events(h, rev))
    # A host that joins the VPC gets the VIP's mapping with the others'.
    ok("DELETE", "/v1/ports/" + pv3["id"], token=ta)
    rev = _rev()
    pv3 = ok("POST", "/v1/ports", dict(base, host=h3["id"]), ta)
    got = events(h3, rev)
    expect(("put", "mapping", vip, "192.0.2.2", pv2["mac"]) in got, got)
    st3 = ok("GET", "/v1/hosts/%s/state" % h3["id"], token=h3["token"])
    expect(sorted(x["ip"] for x in st3["mappings"] if x["vni"] == v["vni"]) ==
           sorted([pv1["ip"], pv2["ip"], vip]), st3["mappings"])
    S["vip"] = (v, vip, pv2)


def cbs(*args):
    return subprocess.run([CBS_BIN + "/cbs"] + list(args), capture_output=True, text=True, timeout=30)


@case("storage servers: registered with their admin token; bad address 400, duplicate 409")
def _():
    os.mkdir(TMP + "/cbs")
    open(TMP + "/cbs-admin", "w").write(CBS_ADMIN + "\n")
    log = TMP + "/cbs-server.log"
    p = subprocess.Popen([CBS_BIN + "/cbs-server", "--listen", "127.0.0.1:0", "--data", TMP + "/cbs",
                          "--admin-token-file", TMP + "/cbs-admin"], stderr=open(log, "w"))
    procs.append(p)
    m = wait_for(lambda: re.search(r"listening on 127\.0\.0\.1:(\d+)", open(log).read()), what="cbs-server")
    S["cbs_addr"] = "127.0.0.1:" + m.group(1)
    S["ss"] = ok("POST", "/v1/storage-servers", {"name": "ss1", "address": S["cbs_addr"],
                                                 "capacity": 3 << 30, "admin_token": CBS_ADMIN})
    expect(S["ss"]["allocated"] == 0, S["ss"])
    refused("POST", "/v1/storage-servers", {"name": "x", "address": S["cbs_addr"], "capacity": 1,
                                            "admin_token": "y"}, ADMIN, 409)
    refused("POST", "/v1/storage-servers", {"name": "x", "address": "nowhere", "capacity": 1,
                                            "admin_token": "y"}, ADMIN, 400, "address")
    refused("POST", "/v1/storage-servers", {"name": "x", "address": "127.0.0.1:1", "capacity": 1}, ADMIN, 400)


@case("volumes: created on the cbs-server for real; attach raises the generation; second attach 409")
def _():
    ta, h1 = S["A"]["token"], S["h1"]
    v = ok("POST", "/v1/volumes", {"name": "root", "size": 1 << 30}, ta)
    expect(v["server"] == S["ss"]["id"] and v["host"] is None and v["generation"] == 1, v)
    lst = cbs("volume", "list", "server", S["cbs_addr"], "admin-token-file", TMP + "/cbs-admin")
    expect(lst.returncode == 0 and re.search(r"^%s size 1073741824 " % v["id"], lst.stdout, re.M),
           "not on the server: " + lst.stdout + lst.stderr)
    a = ok("POST", "/v1/volumes/%s/attach" % v["id"], {"host": h1["id"]}, ta)
    expect(a["host"] == h1["id"] and a["generation"] == 2, a)
    again = ok("POST", "/v1/volumes/%s/attach" % v["id"], {"host": h1["id"]}, ta)
    expect(again["generation"] == 2, "attaching again changed the generation")
    refused("POST", "/v1/volumes/%s/attach" % v["id"], {"host": S["h2"]["id"]}, ta, 409, "attached")
    refused("POST", "/v1/volumes/%s/attach" % v["id"], {"host": "h-nope"}, ta, 404)
    refused("DELETE", "/v1/volumes/" + v["id"], None, ta, 409, "attached")
    st = ok("GET", "/v1/hosts/%s/state" % h1["id"], token=h1["token"])
    vols = st["volumes"]
    expect(len(vols) == 1 and vols[0]["server"] == S["cbs_addr"] and vols[0]["generation"] == 2 and
           vols[0]["name"] == v["id"] and len(vols[0]["token"]) > 8, vols)
    S["vol"], S["vol_token"] = v, vols[0]["token"]


@case("volumes: validation, no room 507, a wrong admin token 502, another tenant's 404")
def _():
    ta, tb = S["A"]["token"], S["B"]["token"]
    refused("POST", "/v1/volumes", {"name": "x", "size": 1000}, ta, 400, "multiple")
    refused("POST", "/v1/volumes", {"name": "x", "size": 4096, "block_size": 1024}, ta, 400, "block_size")
    refused("POST", "/v1/volumes", {"name": "x", "size": 4096, "tenant": S["B"]["id"]}, ta, 400)
    refused("POST", "/v1/volumes", {"name": "x", "size": 4096}, ADMIN, 400, "tenant")
    refused("POST", "/v1/volumes", {"name": "x", "size": 4 << 30}, ta, 507)
    refused("POST", "/v1/volumes", {"name": "x", "size": 4096}, S["h1"]["token"], 403)
    vid = S["vol"]["id"]
    for m, path in (("GET", "/v1/volumes/" + vid), ("DELETE", "/v1/volumes/" + vid),
                    ("POST", "/v1/volumes/%s/detach" % vid)):
        refused(m, path, None, tb, 404)
    refused("POST", "/v1/volumes/%s/attach" % vid, {"host": S["h2"]["id"]}, tb, 404)
    expect(ok("GET", "/v1/volumes", token=tb) == [], "B sees A's volume")
    # A server that refuses the admin token: nothing recorded.
    bad = ok("POST", "/v1/storage-servers", {"name": "ss-bad", "address": "127.0.0.1:1", "capacity": 1 << 50,
                                             "admin_token": "wrong"})
    refused("POST", "/v1/volumes", {"name": "x", "size": 1 << 40}, ta, 502, "127.0.0.1:1")
    ok("DELETE", "/v1/storage-servers/" + bad["id"])


@case("volumes: detach clears the host (the state loses it), delete removes it from the server")
def _():
    ta, h1, vid = S["A"]["token"], S["h1"], S["vol"]["id"]
    rev = ok("GET", "/v1/hosts/%s/state" % h1["id"], token=h1["token"])["revision"]
    d = ok("POST", "/v1/volumes/%s/detach" % vid, None, ta)
    expect(d["host"] is None and d["generation"] == 2, d)
    ev = ok("GET", "/v1/hosts/%s/events?since=%d" % (h1["id"], rev), token=h1["token"])
    expect([(e["type"], e["kind"]) for e in ev["events"]] == [("delete", "volume")], ev)
    refused("DELETE", "/v1/storage-servers/" + S["ss"]["id"], None, ADMIN, 409)
    ok("DELETE", "/v1/volumes/" + vid, token=ta)
    lst = cbs("volume", "list", "server", S["cbs_addr"], "admin-token-file", TMP + "/cbs-admin")
    expect(lst.returncode == 0 and vid not in lst.stdout, lst.stdout + lst.stderr)
    expect(ok("GET", "/v1/storage-servers/" + S["ss"]["id"])["allocated"] == 0, "allocated")
    # One attached volume for the restart case.
    v = ok("POST", "/v1/volumes", {"name": "data", "size": 1 << 20, "block_size": 512}, ta)
    S["vol2"] = ok("POST", "/v1/volumes/%s/attach" % v["id"], {"host": h1["id"]}, ta)


def snapshot():
    paths = ["/v1/tenants", "/v1/hosts", "/v1/storage-servers", "/v1/vpcs", "/v1/ports", "/v1/volumes"]
    snap = {p: ok("GET", p) for p in paths}
    for h in snap["/v1/hosts"]:
        snap[h["id"]] = ok("GET", "/v1/hosts/%s/state" % h["id"])
    return snap


@case("kill -9: every acknowledged change is there after a restart, the revision goes on")
def _():
    global ctl
    ta = S["A"]["token"]
    # Changes acknowledged right before the kill.
    acked = [ok("POST", "/v1/ports", {"vpc": S["va"]["id"], "subnet": S["sa6"]["id"], "host": S["h2"]["id"]}, ta)
             for _ in range(20)]
    before = snapshot()
    rev = _rev()
    ctl.stop(signal.SIGKILL)
    ctl = Controller(TMP + "/db", "--poll-timeout", "30")
    after = snapshot()
    for k in before:
        expect(before[k] == after[k], "after the restart %s differs" % k)
    ids = {p["id"] for p in after["/v1/ports"]}
    expect(all(p["id"] in ids for p in acked), "an acknowledged port is gone")
    # A VIP's owner too.
    v, vip, owner = S["vip"]
    m = ok("GET", "/v1/vpcs/%s/mappings/%s" % (v["id"], vip), token=S["h3"]["token"])
    expect(m["port"] == owner["id"] and m["host"] == S["h2"]["id"], m)
    expect(_rev() == rev, "the revision moved over the restart")
    n = ok("POST", "/v1/vpcs", {"name": "after"}, ta)
    expect(_rev() == rev + 1, "the revision did not go on from %d" % rev)
    ok("DELETE", "/v1/vpcs/" + n["id"], token=ta)
    # The tokens survive too, and an old watch must re-list (410), a current one waits.
    h1 = S["h1"]
    st = ok("GET", "/v1/hosts/%s/state" % h1["id"], token=h1["token"])
    refused("GET", "/v1/hosts/%s/events?since=%d" % (h1["id"], st["revision"] - 1), None, h1["token"], 410)
    ev = ok("GET", "/v1/hosts/%s/events?since=%d&timeout=0" % (h1["id"], st["revision"]), token=h1["token"])
    expect(ev == {"revision": st["revision"], "events": []}, ev)


@case("tenant token rotation: the old token stops working at once")
def _():
    old = S["B"]["token"]
    new = ok("POST", "/v1/tenants/%s/token" % S["B"]["id"], None, old)
    expect(new["token"] != old, "same token")
    refused("GET", "/v1/vpcs", None, old, 401)
    expect(len(ok("GET", "/v1/vpcs", token=new["token"])) == 1, "new token")
    S["B"]["token"] = new["token"]
    refused("POST", "/v1/tenants/%s/token" % S["A"]["id"], None, new["token"], 404)


def nimbusctl(*args, token_file=None, env_token=None):
    env = dict(os.environ, NIMBUS_URL="http://127.0.0.1:%d" % ctl.port)
    env.pop("NIMBUS_TOKEN", None)
    if env_token:
        env["NIMBUS_TOKEN"] = env_token
    cmd = [BIN + "/nimbusctl"] + (["--token-file", token_file] if token_file else []) + list(args)
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=30)


@case("nimbusctl: create, list, show, set and attach, in text and -j, token from file or environment")
def _():
    tf = TMP + "/admin"
    r = nimbusctl("tenant", "create", "carol", token_file=tf)
    expect(r.returncode == 0 and re.match(r"^t-\w+ name carol token [0-9a-f]{64}$", r.stdout), r.stdout + r.stderr)
    carol = r.stdout.split()[4]
    r = nimbusctl("-j", "vpc", "create", "web", env_token=carol)
    expect(r.returncode == 0, r.stderr)
    vpc = json.loads(r.stdout)
    r = nimbusctl("subnet", "create", "vpc", vpc["id"], "cidr", "172.16.0.0/24", "gateway", "172.16.0.1",
                  "dns", "172.16.0.2,172.16.0.3", env_token=carol)
    expect(r.returncode == 0 and "cidr 172.16.0.0/24 gateway 172.16.0.1 dns 172.16.0.2,172.16.0.3" in r.stdout,
           r.stdout + r.stderr)
    sn = r.stdout.split()[0]
    r = nimbusctl("port", "create", "vpc", vpc["id"], "subnet", sn, "host", S["h2"]["id"], "egress-max", "100mbit",
                  "allow", "172.16.9.0/24", env_token=carol)
    expect(r.returncode == 0 and "ip 172.16.0.2 " in r.stdout and "egress-max 100000000" in r.stdout and
           "allow 172.16.9.0/24" in r.stdout, r.stdout + r.stderr)
    port = r.stdout.split()[0]
    r = nimbusctl("port", "set", port, "ingress-min", "1m", env_token=carol)
    expect(r.returncode == 0 and "ingress-min 1000000" in r.stdout and "egress-max 100000000" in r.stdout, r.stdout)
    r = nimbusctl("-j", "port", "list", "vpc", vpc["id"], env_token=carol)
    lst = json.loads(r.stdout)
    expect(r.returncode == 0 and [p["id"] for p in lst] == [port], r.stdout)
    validate({"type": "array", "items": {"$ref": "#/components/schemas/Port"}}, lst, "nimbusctl", "port list")
    r = nimbusctl("host", "list", token_file=tf)
    expect(r.returncode == 0 and len(r.stdout.splitlines()) == 3 and "underlay 192.0.2.1,198.51.100.1" in r.stdout,
           r.stdout)
    r = nimbusctl("volume", "create", "logs", "size", "64M", env_token=carol)
    expect(r.returncode == 0 and "size 67108864 block-size 4096" in r.stdout, r.stdout + r.stderr)
    vol = r.stdout.split()[0]
    r = nimbusctl("volume", "attach", vol, "host", S["h2"]["id"], env_token=carol)
    expect(r.returncode == 0 and "generation 2" in r.stdout and "host " + S["h2"]["id"] in r.stdout, r.stdout)
    r = nimbusctl("host", "state", S["h2"]["id"], token_file=tf)
    expect(r.returncode == 0 and re.search(r"^volume %s server %s " % (vol, S["cbs_addr"]), r.stdout, re.M) and
           re.search(r"^port %s vni %d ifname np" % (port, vpc["vni"]), r.stdout, re.M), r.stdout)
    for args in (("volume", "detach", vol), ("volume", "delete", vol), ("port", "delete", port),
                 ("subnet", "delete", sn), ("vpc", "delete", vpc["id"])):
        r = nimbusctl(*args, env_token=carol)
        expect(r.returncode == 0, "%s: %s" % (args, r.stderr))
    r = nimbusctl("vpc", "list", env_token=carol)
    expect(r.returncode == 0 and r.stdout == "", r.stdout)


@case("nimbusctl: unknown commands, bad values and refused requests fail with a message")
def _():
    tf = TMP + "/admin"
    r = nimbusctl("vpc", "frobnicate", token_file=tf)
    expect(r.returncode == 1 and 'Command "frobnicate" is unknown, try "nimbusctl help".' in r.stderr, r.stderr)
    r = nimbusctl("gizmo", "list", token_file=tf)
    expect(r.returncode == 1 and 'Command "gizmo" is unknown' in r.stderr, r.stderr)
    r = nimbusctl("port", "create", "vpc", "x", "egress-min", "12q", token_file=tf)
    expect(r.returncode == 1 and 'argument "12q" is wrong' in r.stderr, r.stderr)
    r = nimbusctl("host", "create", "x", "underlay", "2001:db8::1", token_file=tf)
    expect(r.returncode == 1 and 'argument "2001:db8::1" is wrong' in r.stderr, r.stderr)
    r = nimbusctl("vpc", "show", "vpc-nope", token_file=tf)
    expect(r.returncode == 2 and "vpc vpc-nope not found (HTTP 404)" in r.stderr, r.stderr)
    r = nimbusctl("vpc", "create", "x", token_file=tf)
    expect(r.returncode == 2 and "tenant" in r.stderr and "(HTTP 400)" in r.stderr, r.stderr)
    r = nimbusctl("vpc", "list", env_token="wrong")
    expect(r.returncode == 2 and "(HTTP 401)" in r.stderr, r.stderr)
    r = nimbusctl("vpc", "list")
    expect(r.returncode == 1 and "NIMBUS_TOKEN" in r.stderr, r.stderr)
    r = nimbusctl("port", "help", token_file=tf)
    expect(r.returncode == 0 and "nimbusctl port create vpc ID" in r.stdout, r.stdout)


@case("store watch: /v1/changes lists the keys changed after a revision; 410 once compacted")
def _():
    rev = _rev()
    ok("POST", "/v1/tenants", {"name": "dave"})
    ch = ok("GET", "/v1/changes?since=%d" % rev)
    expect(len(ch["changes"]) == 1 and ch["changes"][0]["key"].startswith("tenants/t-") and
           ch["changes"][0]["revision"] == rev + 1, ch)
    # A second controller keeping 5 revisions of the store and 3 events per host.
    c2 = Controller(TMP + "/db2", "--store-history", "5", "--history", "3")
    try:
        h = ok("POST", "/v1/hosts", {"name": "x", "underlay": ["192.0.2.77"]}, port=c2.port)
        t = ok("POST", "/v1/tenants", {"name": "t"}, port=c2.port)
        v = ok("POST", "/v1/vpcs", {"name": "v"}, t["token"], port=c2.port)
        sn = ok("POST", "/v1/vpcs/%s/subnets" % v["id"], {"cidr": "10.0.0.0/16", "gateway": "10.0.0.1"},
                t["token"], port=c2.port)
        for _ in range(8):
            ok("POST", "/v1/ports", {"vpc": v["id"], "subnet": sn["id"], "host": h["id"]}, t["token"],
               port=c2.port)
        st, b = req("GET", "/v1/changes?since=1", token=ADMIN, port=c2.port)
        expect(st == 410, "changes from a compacted revision: %d" % st)
        st, b = req("GET", "/v1/hosts/%s/events?since=1" % h["id"], token=h["token"], port=c2.port)
        expect(st == 410, "events from beyond the host's history: %d" % st)
        cur = ok("GET", "/v1/hosts/%s/state" % h["id"], token=h["token"], port=c2.port)["revision"]
        ev = ok("GET", "/v1/hosts/%s/events?since=%d" % (h["id"], cur - 2), token=h["token"], port=c2.port)
        expect(len(ev["events"]) == 2, ev)
    finally:
        expect(c2.stop() == 0, "the second controller did not stop cleanly")


@case("config file: options from --config, the command line overrides it")
def _():
    conf = TMP + "/controller.conf"
    open(conf, "w").write("# test\nlisten 127.0.0.1:0\ndb = %s/db3\nadmin-token-file %s/admin\n"
                          "poll-timeout 7\n" % (TMP, TMP))
    c3 = Controller(None, "--poll-timeout", "1", config=conf)
    try:
        h = ok("POST", "/v1/hosts", {"name": "x", "underlay": ["192.0.2.78"]}, port=c3.port)
        t0 = time.monotonic()
        ok("GET", "/v1/hosts/%s/state?since=%d" % (h["id"], 10 ** 6 - 10 ** 6 + 1), token=h["token"], port=c3.port)
        took = time.monotonic() - t0
        expect(0.9 <= took < 4, "the poll timeout of the command line (1 s) did not win: %.2f s" % took)
    finally:
        c3.stop()
    expect(os.path.exists(TMP + "/db3"), "the database of the config file was not used")
    bad = subprocess.run([BIN + "/nimbus-controller", "--config", conf, "--frob"], capture_output=True, text=True)
    expect(bad.returncode == 1, "an unknown option was accepted")


@case("TLS: --tls-cert and --tls-key serve HTTPS")
def _():
    if not shutil.which("openssl"):
        raise Fail("openssl is missing")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                    "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", TMP + "/key.pem",
                    "-out", TMP + "/cert.pem"], check=True, capture_output=True)
    c4 = Controller(TMP + "/db4", "--tls-cert", TMP + "/cert.pem", "--tls-key", TMP + "/key.pem")
    try:
        r = subprocess.run([BIN + "/nimbusctl", "--url", "https://127.0.0.1:%d" % c4.port, "--cacert",
                            TMP + "/cert.pem", "--token-file", TMP + "/admin", "-j", "tenant", "list"],
                           capture_output=True, text=True, timeout=30)
        expect(r.returncode == 0 and json.loads(r.stdout) == [], r.stdout + r.stderr)
        r = subprocess.run([BIN + "/nimbusctl", "--url", "http://127.0.0.1:%d" % c4.port,
                            "--token-file", TMP + "/admin", "tenant", "list"], capture_output=True, text=True,
                           timeout=30)
        expect(r.returncode == 2, "plain HTTP to the HTTPS port worked")
    finally:
        expect(c4.stop() == 0, "the TLS controller did not stop cleanly")


@case("SIGTERM with a long poll open: the poll is answered, the controller exits 0")
def _():
    h1 = S["h1"]
    rev = ok("GET", "/v1/hosts/%s/state" % h1["id"], token=h1["token"])["revision"]
    t, out = start_poll("/v1/hosts/%s/state?since=%d&timeout=60" % (h1["id"], rev), h1["token"], h1["id"])
    t0 = time.monotonic()
    rc = ctl.stop()
    t.join(10)
    expect(rc == 0, "exit status %d" % rc)
    expect(time.monotonic() - t0 < 6, "stopping took too long")
    expect("result" in out and out["result"][0] == 200 and out["result"][1]["revision"] == rev,
           "the held poll was not answered: %s" % out)
    log = open(ctl.logpath).read()
    expect("stopped" in log, "no clean stop in the log")


@case("the logs hold no token; every answer matched the contract")
def _():
    logs = open(TMP + "/all.log").read()
    secrets = [ADMIN, CBS_ADMIN, S["A"]["token"], S["B"]["token"], S["h1"]["token"], S["vol_token"]]
    leaked = [s for s in secrets if s in logs]
    expect(not leaked, "tokens in the log")
    expect("POST /v1/ports 201" in logs and "409" in logs, "requests are not logged")
    expect(STATS["checked"] > 200, "only %d answers checked" % STATS["checked"])


def main():
    print("TAP version 13")
    print("1..%d" % len(CASES))
    failed = 0
    for i, (name, fn) in enumerate(CASES, 1):
        try:
            fn()
            print("ok %d %s" % (i, name))
        except Exception as e:  # noqa: every failure fails the case, with its reason
            failed += 1
            print("not ok %d %s" % (i, name))
            for line in ("%s: %s" % (type(e).__name__, e)).splitlines()[:20]:
                print("# " + line)
        sys.stdout.flush()
    print("# %d passed, %d failed, %d answers checked against the contract" %
          (len(CASES) - failed, failed, STATS["checked"]))
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        rc = main()
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        shutil.rmtree(TMP, ignore_errors=True)
    sys.exit(rc)
