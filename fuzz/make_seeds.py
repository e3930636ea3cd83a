#!/usr/bin/env python3
"""Writes the seed corpora in corpus/<target>/: real inputs, each behind the
byte 0 that tells a target it is plain bytes (see src/lib.rs `plain`).

Sources: AWS's SigV4 test suite (../../shared/testdata/sigv4, when present),
KMS and IAM requests shaped as the AWS SDKs send them, KMS-signed requests
signed here as the SDK signs them, Trent's known-answer ciphertext blob
(crates/trent-crypto/src/ciphertext.rs) and tokens sealed with the fuzz
targets' fixed test keys. Run from fuzz/: python3 make_seeds.py
"""
import base64, hashlib, hmac, json, os, shutil, sys, urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
SUITE = os.path.join(HERE, "..", "..", "shared", "testdata", "sigv4", "v4")


def write(target, name, data):
    folder = os.path.join(HERE, "corpus", target)
    os.makedirs(folder, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(folder, name), "wb") as f:
        f.write(b"\0" + data)


def sign_kms(target, body, amz_date, akid="AKIDEXAMPLE",
             secret="wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", region="us-east-1", token=None):
    headers = {
        "content-type": "application/x-amz-json-1.1",
        "host": f"kms.{region}.amazonaws.com",
        "x-amz-date": amz_date,
        "x-amz-target": target,
    }
    if token:
        headers["x-amz-security-token"] = token
    names = sorted(headers)
    canonical = "\n".join([
        "POST", "/", "",
        "".join(f"{n}:{headers[n]}\n" for n in names),
        ";".join(names),
        hashlib.sha256(body.encode()).hexdigest(),
    ])
    date = amz_date[:8]
    scope = f"{date}/{region}/kms/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope,
                         hashlib.sha256(canonical.encode()).hexdigest()])
    key = ("AWS4" + secret).encode()
    for part in [date, region, "kms", "aws4_request"]:
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    lines = ["POST / HTTP/1.1"]
    lines += [f"{n}:{headers[n]}" for n in names]
    lines.append(f"Authorization: AWS4-HMAC-SHA256 Credential={akid}/{scope}, "
                 f"SignedHeaders={';'.join(names)}, Signature={signature}")
    return "\r\n".join(lines) + "\r\n\r\n" + body


def sigv4():
    if os.path.isdir(SUITE):
        for case in ["get-vanilla", "post-vanilla", "get-vanilla-query-order-key-case",
                     "get-header-value-trim", "get-header-value-multiline", "post-sts-header-after",
                     "post-x-www-form-urlencoded", "get-slashes-unnormalized", "get-utf8",
                     "get-vanilla-with-session-token"]:
            for kind in ["header", "query"]:
                path = os.path.join(SUITE, case, f"{kind}-signed-request.txt")
                if os.path.exists(path):
                    with open(path, "rb") as f:
                        write("sigv4", f"suite-{case}-{kind}", f.read())
    else:
        print("AWS SigV4 suite not found; only KMS-shaped seeds", file=sys.stderr)
    write("sigv4", "kms-encrypt", sign_kms(
        "TrentService.Encrypt",
        '{"KeyId":"alias/example","Plaintext":"aGVsbG8="}', "20260101T000000Z"))
    write("sigv4", "kms-decrypt-session", sign_kms(
        "TrentService.Decrypt", '{"CiphertextBlob":"AQkJ"}', "20260101T000000Z",
        akid="ASIAEXAMPLE", token="c2Vzc2lvbg"))


KMS = {
    "create-key": (3, {"KeySpec": "SYMMETRIC_DEFAULT", "KeyUsage": "ENCRYPT_DECRYPT",
                       "Description": "rds", "Tags": [{"TagKey": "project", "TagValue": "db"}],
                       "MultiRegion": False}),
    "create-key-policy": (3, {"KeySpec": "ECC_NIST_P256", "KeyUsage": "SIGN_VERIFY",
                              "Policy": json.dumps({"Version": "2012-10-17", "Statement": [{
                                  "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                                  "Action": "kms:*", "Resource": "*"}]}),
                              "BypassPolicyLockoutSafetyCheck": True}),
    "encrypt": (15, {"KeyId": "alias/example", "Plaintext": "aGVsbG8gd29ybGQ=",
                     "EncryptionContext": {"purpose": "db"}, "GrantTokens": ["dG9rZW4"]}),
    "decrypt": (4, {"CiphertextBlob": base64.b64encode(bytes.fromhex(
        "010909090909090909090909090909090900000003fa81f85e850f9252d793b64fee1e1660b51150fe41ce2a96688978934fd577c6195ce4f9")).decode(),
        "EncryptionContext": {"purpose": "db"}}),
    "re-encrypt": (36, {"CiphertextBlob": "AQkJCQ==", "DestinationKeyId": "mrk-1234abcd12ab34cd56ef1234567890ab",
                        "SourceEncryptionContext": {"a": "b"}, "DestinationEncryptionAlgorithm": "SYMMETRIC_DEFAULT"}),
    "generate-data-key": (16, {"KeyId": "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
                               "KeySpec": "AES_256", "EncryptionContext": {"tenant": "a"}}),
    "generate-data-key-pair": (17, {"KeyId": "1234abcd-12ab-34cd-56ef-1234567890ab", "KeyPairSpec": "RSA_2048"}),
    "sign": (42, {"KeyId": "alias/signer", "Message": "aGVsbG8=", "MessageType": "RAW",
                  "SigningAlgorithm": "ECDSA_SHA_256"}),
    "verify": (48, {"KeyId": "alias/signer", "Message": "aGVsbG8=", "Signature": "MEUCIQ==",
                    "SigningAlgorithm": "RSASSA_PSS_SHA_256", "MessageType": "DIGEST"}),
    "generate-mac": (20, {"KeyId": "alias/mac", "Message": "aGVsbG8=", "MacAlgorithm": "HMAC_SHA_256"}),
    "create-grant": (2, {"KeyId": "1234abcd-12ab-34cd-56ef-1234567890ab",
                         "GranteePrincipal": "arn:aws:iam::111122223333:role/Admin",
                         "Operations": ["Encrypt", "Decrypt"], "Name": "g",
                         "Constraints": {"EncryptionContextSubset": {"purpose": "db"}}}),
    "retire-grant": (38, {"GrantToken": "dG9rZW4"}),
    "list-grants": (29, {"KeyId": "alias/example", "Limit": 50, "Marker": "abc"}),
    "schedule-key-deletion": (41, {"KeyId": "1234abcd-12ab-34cd-56ef-1234567890ab", "PendingWindowInDays": 7}),
    "put-key-policy": (35, {"KeyId": "alias/example", "PolicyName": "default", "Policy": "{}"}),
    "get-parameters-for-import": (25, {"KeyId": "alias/external", "WrappingAlgorithm": "RSA_AES_KEY_WRAP_SHA_256",
                                       "WrappingKeySpec": "RSA_4096"}),
    "import-key-material": (27, {"KeyId": "alias/external", "ImportToken": "AwAA", "EncryptedKeyMaterial": "AAAA",
                                 "ExpirationModel": "KEY_MATERIAL_EXPIRES", "ValidTo": 1767225600}),
    "replicate-key": (37, {"KeyId": "mrk-1234abcd12ab34cd56ef1234567890ab", "ReplicaRegion": "eu-west-1"}),
    "derive-shared-secret": (8, {"KeyId": "alias/ecdh", "KeyAgreementAlgorithm": "ECDH", "PublicKey": "MFkw"}),
    "generate-random": (21, {"NumberOfBytes": 32}),
    "tag-resource": (43, {"KeyId": "alias/example", "Tags": [{"TagKey": "a", "TagValue": "b"}]}),
    "create-alias": (1, {"AliasName": "alias/example", "TargetKeyId": "1234abcd-12ab-34cd-56ef-1234567890ab"}),
    "empty": (32, {}),
}


def kms_request():
    for name, (index, body) in KMS.items():
        write("kms_request", name, bytes([index]) + json.dumps(body).encode())


def query():
    trust = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
        "Action": "sts:AssumeRole"}]})
    forms = {
        "create-role": {"Action": "CreateRole", "Version": "2010-05-08", "RoleName": "Admin",
                        "Path": "/team/", "AssumeRolePolicyDocument": trust, "Description": "admins"},
        "put-user-policy": {"Action": "PutUserPolicy", "Version": "2010-05-08", "UserName": "alice",
                            "PolicyName": "kms", "PolicyDocument": json.dumps({"Version": "2012-10-17",
                                "Statement": [{"Effect": "Allow", "Action": "kms:*", "Resource": "*"}]})},
        "assume-role": {"Action": "AssumeRole", "Version": "2011-06-15",
                        "RoleArn": "arn:aws:iam::111122223333:role/Admin", "RoleSessionName": "s1",
                        "DurationSeconds": "900"},
        "create-user": {"Action": "CreateUser", "Version": "2010-05-08", "UserName": "alice"},
        "update-access-key": {"Action": "UpdateAccessKey", "Version": "2010-05-08",
                              "AccessKeyId": "AKIAIOSFODNN7EXAMPLE", "Status": "Inactive", "UserName": "alice"},
        "create-service-linked-role": {"Action": "CreateServiceLinkedRole", "Version": "2010-05-08",
                                       "AWSServiceName": "rds.amazonaws.com", "CustomSuffix": "x"},
        "get-caller-identity": {"Action": "GetCallerIdentity", "Version": "2011-06-15"},
        "unknown-action": {"Action": "CreateGroup", "Version": "2010-05-08", "GroupName": "g"},
    }
    for name, form in forms.items():
        write("query", name, urllib.parse.urlencode(form))


def policy():
    docs = {
        "key-default": (0, {"Version": "2012-10-17", "Id": "key-default-1", "Statement": [{
            "Sid": "Enable IAM User Permissions", "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"}]}),
        "key-conditions": (0, {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": ["111122223333", "arn:aws:iam::111122223333:role/Admin"]},
             "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*"],
             "Resource": "*", "Condition": {
                 "StringEquals": {"kms:ViaService": "rds.us-east-1.amazonaws.com", "kms:CallerAccount": "111122223333"},
                 "ForAllValues:StringLike": {"kms:EncryptionContextKeys": ["aws:rds:*"]},
                 "IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "2001:db8::/32"]},
                 "DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"},
                 "Bool": {"aws:SecureTransport": "true"}}},
            {"Effect": "Deny", "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:root"},
             "NotAction": "kms:Describe*", "Resource": "*",
             "Condition": {"StringNotEquals": {"aws:PrincipalTag/team": "${aws:ResourceTag/team}"},
                           "Null": {"kms:GrantIsForAWSResource": "true"}}}]}),
        "identity-variables": (1, {"Version": "2012-10-17", "Statement": {
            "Effect": "Allow", "Action": "kms:*",
            "Resource": "arn:aws:kms:us-east-1:111122223333:key/${aws:ResourceTag/project}",
            "Condition": {"NumericLessThanEquals": {"kms:GrantConstraintType": "30"},
                          "ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:user/${aws:username}"}}}}),
        "trust": (2, {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "rds.amazonaws.com", "AWS": "*"},
            "Action": "sts:AssumeRole"}]}),
        "old-version": (0, {"Version": "2008-10-17", "Statement": [{
            "Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt", "NotResource": "arn:aws:kms:*:*:key/x",
            "Condition": {"StringEqualsIgnoreCaseIfExists": {"kms:RequestAlias": "alias/A"}}}]}),
    }
    for name, (kind, doc) in docs.items():
        write("policy", name, bytes([kind]) + json.dumps(doc).encode())


def ciphertext_token():
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    blob = bytes.fromhex("010909090909090909090909090909090900000003fa81f85e850f9252d793b64fee1e1660b51150fe41ce2a96688978934fd577c6195ce4f9")
    write("ciphertext_token", "known-answer-blob", b"\0" + blob)

    def token(label, data, iv):
        sealed = b"\x03" + iv + AESGCM(b"\x22" * 32).encrypt(iv, data, label)
        return base64.urlsafe_b64encode(sealed).rstrip(b"=")
    write("ciphertext_token", "grant-token", b"\x01" + token(
        b"trent/grant-token/v1", b"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", b"\x01" * 12))
    write("ciphertext_token", "session-token", b"\x02" + token(
        b"trent/session-token/v1",
        b"v1\nASIAEXAMPLE\n111122223333\nAdmin\nAROAEXAMPLE\ns1\n1767229200000\nsecret", b"\x02" * 12))
    write("ciphertext_token", "grant-token-garbage", b"\x01" + b"not-a-token")


def arn_and_key_id():
    for i, text in enumerate([
        "1234abcd-12ab-34cd-56ef-1234567890ab",
        "1234ABCD-12AB-34CD-56EF-1234567890AB",
        "mrk-1234abcd12ab34cd56ef1234567890ab",
        "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        "arn:aws:kms:eu-west-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab",
        "arn:aws:kms:us-east-1:111122223333:alias/rds_kms",
        "alias/aws/ebs",
        "alias/a-b_c/d",
    ]):
        write("arn_and_key_id", f"id-{i}", text)


if __name__ == "__main__":
    shutil.rmtree(os.path.join(HERE, "corpus"), ignore_errors=True)
    sigv4(); kms_request(); query(); policy(); ciphertext_token(); arn_and_key_id()
