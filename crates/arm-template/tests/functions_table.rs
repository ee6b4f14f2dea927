//! Table-driven vectors for every template function, one table per family.
//!
//! Unless noted, inputs and outputs are the worked examples of Microsoft's function reference,
//! transcribed from learn.microsoft.com/azure/azure-resource-manager/templates/template-functions-<family>
//! (string, array, object, comparison, logical, numeric, scope, deployment, resource, date, cidr, lambda).
//! The uniqueString vectors are values ARM produced, published with public re-implementations
//! (<https://github.com/Azure/terraform-provider-azapi/blob/main/internal/services/functions/unique_string_function_test.go>);
//! the guid vectors are computed from its definition (`src/hash/guid.rs`).

use arm_template::{
    Deployment, DeploymentContext, EvalErrorKind, ParameterValues, Template, supported_functions,
};
use serde_json::{Value as Json, json};

const SUB: &str = "11111111-2222-3333-4444-555555555555";

fn template() -> Template {
    Template::from_json(json!({
        "parameters": {
            "obj": {"type": "object", "defaultValue": {"one": "a", "two": "b", "three": "c"}},
            "arr": {"type": "array", "defaultValue": ["one", "two", "three"]}
        },
        "variables": {"n": 5}
    }))
    .unwrap()
}

fn context() -> DeploymentContext {
    DeploymentContext {
        subscription_id: SUB.into(),
        tenant_id: "99999999-0000-0000-0000-000000000000".into(),
        resource_group: "my-rg".into(),
        resource_group_location: "westus2".into(),
        deployment_name: "deploy-1".into(),
        ..DeploymentContext::default()
    }
}

/// `Ok(json)` rows must evaluate to that JSON; `Err(text)` rows must fail with a message containing it.
type Row = (&'static str, Result<Json, &'static str>);

fn check(rows: &[Row]) {
    let t = template();
    let d = Deployment::new(&t, &ParameterValues::new(), context()).unwrap();
    for (expression, expected) in rows {
        let got = d.evaluate_expression(expression);
        match (expected, got) {
            (Ok(want), Ok(got)) => assert_eq!(&got, want, "{expression}"),
            (Err(fragment), Err(e)) => {
                assert!(
                    e.to_string().contains(fragment),
                    "{expression}: error `{e}` lacks `{fragment}`"
                )
            }
            (want, got) => panic!("{expression}: expected {want:?}, got {got:?}"),
        }
    }
}

fn ok(v: Json) -> Result<Json, &'static str> {
    Ok(v)
}

fn string_rows() -> Vec<Row> {
    vec![
        (
            "base64('one, two, three')",
            ok(json!("b25lLCB0d28sIHRocmVl")),
        ),
        (
            "base64ToString('b25lLCB0d28sIHRocmVl')",
            ok(json!("one, two, three")),
        ),
        (
            "base64ToJson(base64('{''one'': ''a'', ''two'': ''b''}'))",
            ok(json!({"one": "a", "two": "b"})),
        ),
        ("base64ToString('***')", Err("not valid base64")),
        (
            "concat('prefix', '-', 'suffix')",
            ok(json!("prefix-suffix")),
        ),
        (
            "concat(createArray('1-1', '1-2'), createArray('2-1'))",
            ok(json!(["1-1", "1-2", "2-1"])),
        ),
        ("concat('a', 1, true, null())", ok(json!("a1True"))),
        (
            "concat(createArray(1), 'a')",
            Err("cannot concatenate arrays"),
        ),
        (
            "dataUri('Hello')",
            ok(json!("data:text/plain;charset=utf8;base64,SGVsbG8=")),
        ),
        (
            "dataUriToString('data:;base64,SGVsbG8sIFdvcmxkIQ==')",
            ok(json!("Hello, World!")),
        ),
        ("endsWith('abcdef', 'ef')", ok(json!(true))),
        ("endsWith('abcdef', 'F')", ok(json!(true))),
        ("endsWith('abcdef', 'e')", ok(json!(false))),
        ("startsWith('abcdef', 'ab')", ok(json!(true))),
        ("startsWith('abcdef', 'A')", ok(json!(true))),
        ("startsWith('abcdef', 'e')", ok(json!(false))),
        (
            "format('{0}, {1}. Formatted number: {2:N0}', 'Hello', 'User', 8175133)",
            ok(json!("Hello, User. Formatted number: 8,175,133")),
        ),
        (
            "format('{0:D2}-{1:X}-{{x}}', 5, 255)",
            ok(json!("05-FF-{x}")),
        ),
        ("format('{1}', 'a')", Err("refers past")),
        (
            "guid('a', 'b', 'c')",
            ok(json!("a98fa280-e03f-5afa-8d8e-92d0a9c201e8")),
        ),
        (
            "guid('hello', 'world')",
            ok(json!("a5b868f8-11fe-567a-ace0-e77cc87f104e")),
        ),
        ("join(createArray('a', 'b', 'c'), ',')", ok(json!("a,b,c"))),
        ("join(createArray('a', 'b', 'c'), ';')", ok(json!("a;b;c"))),
        ("json('{\"a\": \"b\"}').a", ok(json!("b"))),
        ("json('null')", ok(json!(null))),
        ("json('[1, 2]')", ok(json!([1, 2]))),
        ("json('{')", Err("not valid JSON")),
        ("newGuid()", Err("defaultValue")),
        ("padLeft('123', 10, '0')", ok(json!("0000000123"))),
        ("padLeft(7, 3, '0')", ok(json!("007"))),
        ("padLeft('abc', 2)", ok(json!("abc"))),
        ("replace('123-123-1234', '-', '')", ok(json!("1231231234"))),
        (
            "replace('123-123-1234', '1234', 'xxxx')",
            ok(json!("123-123-xxxx")),
        ),
        (
            "split('one,two,three', ',')",
            ok(json!(["one", "two", "three"])),
        ),
        (
            "split('one;two,three', createArray(',', ';'))",
            ok(json!(["one", "two", "three"])),
        ),
        ("split('a,,b', ',')", ok(json!(["a", "", "b"]))),
        (
            "string(parameters('obj'))",
            ok(json!("{\"one\":\"a\",\"two\":\"b\",\"three\":\"c\"}")),
        ),
        (
            "string(createArray('a', 'b', 'c'))",
            ok(json!("[\"a\",\"b\",\"c\"]")),
        ),
        ("string(5)", ok(json!("5"))),
        ("string(true)", ok(json!("True"))),
        ("substring('one two three', 4, 3)", ok(json!("two"))),
        ("substring('one two three', 4)", ok(json!("two three"))),
        ("substring('abc', 2, 5)", Err("out of range")),
        ("substring('abc', 4)", Err("out of range")),
        ("toLower('One Two Three')", ok(json!("one two three"))),
        ("toUpper('One Two Three')", ok(json!("ONE TWO THREE"))),
        ("trim('    one two three   ')", ok(json!("one two three"))),
        ("uniqueString('hello', 'world')", ok(json!("a7wkljktk6wne"))),
        ("uniqueString('tyeth')", ok(json!("zcztcwvu6iyg6"))),
        (
            "uniqueString(subscription().id, 'x')",
            ok(json!(arm_template::unique_string(&[
                &format!("/subscriptions/{SUB}"),
                "x"
            ]))),
        ),
        ("uniqueString(1)", Err("must be a string")),
        (
            "uri('http://contoso.com/resources/', 'nested/azuredeploy.json')",
            ok(json!(
                "http://contoso.com/resources/nested/azuredeploy.json"
            )),
        ),
        // template-functions-string#uri: the trailing-slash rules, one row per documented example.
        (
            "uri('http://contoso.org/firstpath', 'myscript.sh')",
            ok(json!("http://contoso.org/myscript.sh")),
        ),
        (
            "uri('http://contoso.org/firstpath/', 'myscript.sh')",
            ok(json!("http://contoso.org/firstpath/myscript.sh")),
        ),
        (
            "uri('http://contoso.org/firstpath/azuredeploy.json', 'myscript.sh')",
            ok(json!("http://contoso.org/firstpath/myscript.sh")),
        ),
        (
            "uri('http://contoso.org/firstpath/azuredeploy.json/', 'myscript.sh')",
            ok(json!(
                "http://contoso.org/firstpath/azuredeploy.json/myscript.sh"
            )),
        ),
        // toLower/toUpper are .NET ToLowerInvariant/ToUpperInvariant: one character at a time,
        // length preserving (learn.microsoft.com/dotnet/api/system.string.toupperinvariant).
        ("toUpper('straße')", ok(json!("STRAßE"))),
        ("toLower('ΟΔΟΣ')", ok(json!("οδοσ"))),
        // format: .NET standard numeric formats on exact integers
        // (learn.microsoft.com/dotnet/standard/base-types/standard-numeric-format-strings).
        ("format('{0:G2}', 12345)", ok(json!("1.2E+04"))),
        (
            "format('{0:N0}', 9007199254740993)",
            ok(json!("9,007,199,254,740,993")),
        ),
        ("format('{0:E2}', -12355)", ok(json!("-1.24E+004"))),
        (
            "uriComponent('http://contoso.com/resources/nested/azuredeploy.json')",
            ok(json!(
                "http%3A%2F%2Fcontoso.com%2Fresources%2Fnested%2Fazuredeploy.json"
            )),
        ),
        (
            "uriComponentToString('http%3A%2F%2Fcontoso.com%2Fresources%2Fnested%2Fazuredeploy.json')",
            ok(json!(
                "http://contoso.com/resources/nested/azuredeploy.json"
            )),
        ),
    ]
}

fn array_rows() -> Vec<Row> {
    vec![
        ("array(1)", ok(json!([1]))),
        ("array('efgh')", ok(json!(["efgh"]))),
        (
            "array(createObject('a', 'b', 'c', 'd'))",
            ok(json!([{"a": "b", "c": "d"}])),
        ),
        ("contains('OneTwoThree', 'e')", ok(json!(true))),
        ("contains('OneTwoThree', 'z')", ok(json!(false))),
        ("contains(parameters('obj'), 'one')", ok(json!(true))),
        ("contains(parameters('obj'), 'ONE')", ok(json!(true))),
        ("contains(parameters('obj'), 'a')", ok(json!(false))),
        ("contains(parameters('arr'), 'one')", ok(json!(true))),
        ("contains(parameters('arr'), 'four')", ok(json!(false))),
        ("createArray(1, 4, 5)", ok(json!([1, 4, 5]))),
        ("createArray()", ok(json!([]))),
        ("empty('')", ok(json!(true))),
        ("empty(createArray())", ok(json!(true))),
        ("empty(createObject())", ok(json!(true))),
        ("empty(null())", ok(json!(true))),
        ("empty(parameters('arr'))", ok(json!(false))),
        ("first('One Two Three')", ok(json!("O"))),
        ("first(parameters('arr'))", ok(json!("one"))),
        ("first(createArray())", ok(json!(null))),
        (
            "flatten(createArray(createArray('one', 'two'), createArray('three'), createArray('four', 'five')))",
            ok(json!(["one", "two", "three", "four", "five"])),
        ),
        ("indexOf('test', 't')", ok(json!(0))),
        ("lastIndexOf('test', 't')", ok(json!(3))),
        ("indexOf('abcdef', 'CD')", ok(json!(2))),
        ("lastIndexOf('abcdef', 'AB')", ok(json!(0))),
        ("indexOf('abcdef', 'z')", ok(json!(-1))),
        ("indexOf(createArray('a', 'b', 'a'), 'a')", ok(json!(0))),
        ("lastIndexOf(createArray('a', 'b', 'a'), 'a')", ok(json!(2))),
        ("indexOf(createArray('a'), 'A')", ok(json!(-1))),
        (
            "intersection(createObject('one', 'a', 'two', 'b', 'three', 'c'), createObject('one', 'z', 'two', 'b', 'three', 'y'))",
            ok(json!({"two": "b"})),
        ),
        (
            "intersection(createArray('one', 'two', 'three'), createArray('two', 'three'))",
            ok(json!(["two", "three"])),
        ),
        ("last('One Two Three')", ok(json!("e"))),
        ("last(parameters('arr'))", ok(json!("three"))),
        ("length('One Two Three')", ok(json!(13))),
        ("length(parameters('arr'))", ok(json!(3))),
        ("length(parameters('obj'))", ok(json!(3))),
        ("length(1)", Err("must be a string, array or object")),
        ("range(1, 5)", ok(json!([1, 2, 3, 4, 5]))),
        ("range(0, 0)", ok(json!([]))),
        ("range(0, 10001)", Err("between 0 and 10000")),
        ("skip('one two three', 4)", ok(json!("two three"))),
        ("skip(parameters('arr'), 2)", ok(json!(["three"]))),
        ("skip(parameters('arr'), 10)", ok(json!([]))),
        ("skip('abc', -3)", ok(json!("abc"))),
        ("take('one two three', 2)", ok(json!("on"))),
        ("take(parameters('arr'), 2)", ok(json!(["one", "two"]))),
        ("take('abc', 10)", ok(json!("abc"))),
        ("take('abc', -1)", ok(json!(""))),
        (
            "union(createObject('one', 'a', 'two', 'b', 'three', 'c1'), createObject('three', 'c2', 'four', 'd', 'five', 'e'))",
            ok(json!({"one": "a", "two": "b", "three": "c2", "four": "d", "five": "e"})),
        ),
        (
            "union(createArray('one', 'two', 'three'), createArray('three', 'four'))",
            ok(json!(["one", "two", "three", "four"])),
        ),
        (
            "union(createObject('property', createObject('one', 'a', 'two', 'b', 'three', 'c1'), 'nestedArray', createArray(1, 2)), createObject('property', createObject('three', 'c2', 'four', 'd', 'five', 'e'), 'nestedArray', createArray(3, 4)))",
            ok(
                json!({"property": {"one": "a", "two": "b", "three": "c2", "four": "d", "five": "e"}, "nestedArray": [3, 4]}),
            ),
        ),
        (
            "union(createArray(createArray('one', 'two'), createArray('three')), createArray(createArray('three'), createArray('four', 'two')))",
            ok(json!([["one", "two"], ["three"], ["four", "two"]])),
        ),
    ]
}

fn object_rows() -> Vec<Row> {
    vec![
        (
            "createObject('intProp', 1, 'stringProp', 'abc', 'boolProp', true(), 'arrayProp', createArray('a', 'b', 'c'), 'objectProp', createObject('key1', 'value1'))",
            ok(
                json!({"intProp": 1, "stringProp": "abc", "boolProp": true, "arrayProp": ["a", "b", "c"], "objectProp": {"key1": "value1"}}),
            ),
        ),
        ("createObject('a')", Err("even number")),
        (
            "items(createObject('item002', createObject('enabled', false(), 'number', 200), 'item001', createObject('enabled', true(), 'number', 300)))",
            ok(
                json!([{"key": "item001", "value": {"enabled": true, "number": 300}}, {"key": "item002", "value": {"enabled": false, "number": 200}}]),
            ),
        ),
        ("null()", ok(json!(null))),
        (
            "objectKeys(createObject('a', 1, 'b', 2))",
            ok(json!(["a", "b"])),
        ),
        (
            "shallowMerge(createArray(createObject('one', 'a'), createObject('two', 'b'), createObject('two', 'c')))",
            ok(json!({"one": "a", "two": "c"})),
        ),
        (
            "shallowMerge(createArray(createObject('one', 'a', 'nested', createObject('a', 1, 'nested', createObject('c', 3))), createObject('two', 'b', 'nested', createObject('b', 2))))",
            ok(json!({"one": "a", "nested": {"b": 2}, "two": "b"})),
        ),
        ("tryGet(parameters('obj'), 'one')", ok(json!("a"))),
        ("tryGet(parameters('obj'), 'missing')", ok(json!(null))),
        ("tryGet(parameters('arr'), 5)", ok(json!(null))),
        (
            "tryGet(createObject('a', createArray(1, 2)), 'a', 1)",
            ok(json!(2)),
        ),
    ]
}

fn comparison_rows() -> Vec<Row> {
    vec![
        ("coalesce(null(), null(), 'default')", ok(json!("default"))),
        ("coalesce(null(), 1, 2)", ok(json!(1))),
        ("coalesce(null())", ok(json!(null))),
        // Arguments after the first non-null one are not evaluated.
        ("coalesce('x', variables('missing'))", ok(json!("x"))),
        (
            "coalesce(null(), parameters('obj').missing)",
            Err("no property 'missing'"),
        ),
        ("equals(1, 1)", ok(json!(true))),
        ("equals('a', 'a')", ok(json!(true))),
        ("equals('a', 'A')", ok(json!(false))),
        (
            "equals(createArray('a', 'b'), createArray('a', 'b'))",
            ok(json!(true)),
        ),
        (
            "equals(createObject('a', 'b'), createObject('A', 'b'))",
            ok(json!(true)),
        ),
        ("equals(1, '1')", ok(json!(false))),
        ("greater(10, 5)", ok(json!(true))),
        ("greater('A', 'a')", ok(json!(false))),
        ("greaterOrEquals(10, 10)", ok(json!(true))),
        ("greaterOrEquals('A', 'a')", ok(json!(false))),
        ("less(10, 5)", ok(json!(false))),
        ("less('A', 'a')", ok(json!(true))),
        ("lessOrEquals(10, 5)", ok(json!(false))),
        ("lessOrEquals('A', 'a')", ok(json!(true))),
        ("less(1, 'a')", Err("two ints or two strings")),
    ]
}

fn logical_rows() -> Vec<Row> {
    vec![
        ("and(bool('true'), bool('false'))", ok(json!(false))),
        ("or(bool('true'), bool('false'))", ok(json!(true))),
        ("not(bool('true'))", ok(json!(false))),
        ("and(true(), true(), true())", ok(json!(true))),
        ("bool('true')", ok(json!(true))),
        ("bool('false')", ok(json!(false))),
        ("bool(1)", ok(json!(true))),
        ("bool(0)", ok(json!(false))),
        ("bool('yes')", Err("neither")),
        ("true()", ok(json!(true))),
        ("false()", ok(json!(false))),
        ("if(equals('a', 'a'), 'yes', 'no')", ok(json!("yes"))),
        ("if(false, 'yes', 'no')", ok(json!("no"))),
        // Only the taken branch is evaluated: the other would fail.
        ("if(true, 'safe', div(1, 0))", ok(json!("safe"))),
        ("if(false, variables('missing'), 'safe')", ok(json!("safe"))),
        ("if('x', 1, 2)", Err("must be a bool")),
        ("and(true, 1)", Err("must be a bool")),
        // and/or stop at the first deciding argument, so a guard protects the access after it
        // (ARM evaluates `and(contains(x, 'p'), x.p)` without failing on a missing `p`).
        (
            "and(contains(parameters('obj'), 'four'), parameters('obj').four)",
            ok(json!(false)),
        ),
        ("and(false, 'not a bool')", ok(json!(false))),
        ("or(true, div(1, 0))", ok(json!(true))),
        ("or(false, false, true)", ok(json!(true))),
        ("and(true, true, false)", ok(json!(false))),
        ("or(false, 'x')", Err("argument 2 must be a bool")),
    ]
}

fn numeric_rows() -> Vec<Row> {
    vec![
        ("add(5, 3)", ok(json!(8))),
        ("sub(7, 3)", ok(json!(4))),
        ("mul(5, 3)", ok(json!(15))),
        ("div(8, 3)", ok(json!(2))),
        ("div(-8, 3)", ok(json!(-2))),
        ("mod(7, 3)", ok(json!(1))),
        ("mod(-7, 3)", ok(json!(-1))),
        ("int('4')", ok(json!(4))),
        ("int('-12')", ok(json!(-12))),
        ("int('x')", Err("not a valid 64-bit integer")),
        ("float('2.5')", ok(json!(2.5))),
        ("max(createArray(0, 3, 2, 5, 4))", ok(json!(5))),
        ("max(0, 3, 2, 5, 4)", ok(json!(5))),
        ("min(createArray(0, 3, 2, 5, 4))", ok(json!(0))),
        ("min(0, 3, 2, 5, 4)", ok(json!(0))),
        ("add(9223372036854775807, 1)", Err("overflows")),
        ("mul(9223372036854775807, 2)", Err("overflows")),
        ("sub(-9223372036854775807, 2)", Err("overflows")),
        ("div(1, 0)", Err("division by zero")),
        ("mod(1, 0)", Err("division by zero")),
        ("add('1', 2)", Err("must be an int")),
        ("copyIndex()", Err("only valid inside a copy loop")),
        ("variables('n')", ok(json!(5))),
    ]
}

fn scope_rows() -> Vec<Row> {
    vec![
        (
            "resourceGroup().id",
            ok(json!(format!("/subscriptions/{SUB}/resourceGroups/my-rg"))),
        ),
        ("resourceGroup().name", ok(json!("my-rg"))),
        ("resourceGroup().location", ok(json!("westus2"))),
        (
            "resourceGroup().type",
            ok(json!("Microsoft.Resources/resourceGroups")),
        ),
        ("subscription().subscriptionId", ok(json!(SUB))),
        (
            "subscription().id",
            ok(json!(format!("/subscriptions/{SUB}"))),
        ),
        (
            "subscription().tenantId",
            ok(json!("99999999-0000-0000-0000-000000000000")),
        ),
        (
            "tenant().tenantId",
            ok(json!("99999999-0000-0000-0000-000000000000")),
        ),
        (
            "tenant().id",
            ok(json!("/tenants/99999999-0000-0000-0000-000000000000")),
        ),
        ("managementGroup()", Err("management-group deployments")),
    ]
}

fn deployment_rows() -> Vec<Row> {
    vec![
        ("deployment().name", ok(json!("deploy-1"))),
        ("deployment().properties.mode", ok(json!("Incremental"))),
        ("environment().name", ok(json!("AzureCloud"))),
        (
            "environment().resourceManager",
            ok(json!("https://management.azure.com/")),
        ),
        (
            "environment().suffixes.storage",
            ok(json!("core.windows.net")),
        ),
        (
            "environment().authentication.loginEndpoint",
            ok(json!("https://login.microsoftonline.com/")),
        ),
        ("parameters('OBJ').one", ok(json!("a"))),
        ("parameters('nope')", Err("is not declared")),
        ("variables('N')", ok(json!(5))),
        ("variables('nope')", Err("is not declared")),
        (
            "deployer().objectId",
            Err("deploy-time function 'deployer'"),
        ),
    ]
}

fn resource_rows() -> Vec<Row> {
    vec![
        (
            "resourceId('Microsoft.Network/virtualNetworks/subnets', 'vnet', 'sub')",
            ok(json!(format!(
                "/subscriptions/{SUB}/resourceGroups/my-rg/providers/Microsoft.Network/virtualNetworks/vnet/subnets/sub"
            ))),
        ),
        (
            "resourceId('otherResourceGroup', 'Microsoft.Storage/storageAccounts', 'examplestorage')",
            ok(json!(format!(
                "/subscriptions/{SUB}/resourceGroups/otherResourceGroup/providers/Microsoft.Storage/storageAccounts/examplestorage"
            ))),
        ),
        (
            "resourceId('11111111-1111-1111-1111-111111111111', 'otherResourceGroup', 'Microsoft.SQL/servers/databases', 'serverName', 'databaseName')",
            ok(json!(
                "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/otherResourceGroup/providers/Microsoft.SQL/servers/serverName/databases/databaseName"
            )),
        ),
        (
            "resourceId('Microsoft.ManagedIdentity/userAssignedIdentities/', 'id1')",
            ok(json!(format!(
                "/subscriptions/{SUB}/resourceGroups/my-rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id1"
            ))),
        ),
        (
            "resourceId('Microsoft.Network/virtualNetworks/subnets', 'vnet')",
            Err("needs 2 name segment(s)"),
        ),
        ("resourceId('a', 'b')", Err("fully qualified resource type")),
        (
            "subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'acdd72a7-3385-48ef-bd42-f606fba81ae7')",
            ok(json!(format!(
                "/subscriptions/{SUB}/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7"
            ))),
        ),
        (
            "subscriptionResourceId('s2', 'Microsoft.Resources/resourceGroups', 'rg')",
            ok(json!(
                "/subscriptions/s2/providers/Microsoft.Resources/resourceGroups/rg"
            )),
        ),
        (
            "tenantResourceId('Microsoft.Billing/billingAccounts', 'acct')",
            ok(json!("/providers/Microsoft.Billing/billingAccounts/acct")),
        ),
        (
            "extensionResourceId(resourceGroup().id, 'Microsoft.Authorization/locks', 'lock1')",
            ok(json!(format!(
                "/subscriptions/{SUB}/resourceGroups/my-rg/providers/Microsoft.Authorization/locks/lock1"
            ))),
        ),
        (
            "managementGroupResourceId('mg1', 'Microsoft.Authorization/policyDefinitions', 'p1')",
            ok(json!(
                "/providers/Microsoft.Management/managementGroups/mg1/providers/Microsoft.Authorization/policyDefinitions/p1"
            )),
        ),
        (
            "managementGroupResourceId('Microsoft.Authorization/policyDefinitions', 'p1')",
            Err("management group id"),
        ),
        (
            "reference('Microsoft.Network/publicIPAddresses/ip').dnsSettings.fqdn",
            Err("deploy-time function 'reference'"),
        ),
        ("references('x')", Err("deploy-time function 'references'")),
        (
            "listKeys(resourceId('Microsoft.Storage/storageAccounts', 'sa'), '2019-06-01').keys[0].value",
            Err("deploy-time function 'listKeys'"),
        ),
        (
            "providers('Microsoft.Web', 'sites')",
            Err("deploy-time function 'providers'"),
        ),
        (
            "pickZones('Microsoft.Compute', 'virtualMachines', 'westus2')",
            Err("deploy-time function 'pickZones'"),
        ),
    ]
}

fn date_rows() -> Vec<Row> {
    vec![
        (
            "dateTimeAdd('2023-01-01 00:00:00Z', 'P1Y')",
            ok(json!("2024-01-01T00:00:00Z")),
        ),
        (
            "dateTimeAdd('2024-01-01 00:00:00Z', 'P1Y')",
            ok(json!("2024-12-31T00:00:00Z")),
        ),
        (
            "dateTimeAdd('2023-02-01 00:00:00Z', 'P1M')",
            ok(json!("2023-03-03T00:00:00Z")),
        ),
        (
            "dateTimeAdd('2024-02-01 00:00:00Z', 'P1M')",
            ok(json!("2024-03-02T00:00:00Z")),
        ),
        (
            "dateTimeAdd('2020-04-07 14:53:14Z', '-P9D')",
            ok(json!("2020-03-29T14:53:14Z")),
        ),
        (
            "dateTimeAdd('2020-04-07 14:53:14Z', 'PT1H', 'u')",
            ok(json!("2020-04-07 15:53:14Z")),
        ),
        (
            "dateTimeAdd('2020-04-07 14:53:14Z', 'P3Y', 'G')",
            ok(json!("4/7/2023 2:53:14 PM")),
        ),
        // .NET custom date format: an all-zero `F` fraction drops the '.' before it.
        (
            "dateTimeAdd('2020-04-07 14:53:14Z', 'PT1H', 'HH:mm:ss.FFF')",
            ok(json!("15:53:14")),
        ),
        // A base with an offset is converted to UTC: the default format claims UTC with its `Z`.
        (
            "dateTimeAdd('2020-04-07T14:53:14+02:00', 'PT1H')",
            ok(json!("2020-04-07T13:53:14Z")),
        ),
        ("dateTimeAdd('x', 'P1D')", Err("not an ISO 8601 date-time")),
        (
            "dateTimeAdd('2020-04-07T00:00:00Z', 'P1X')",
            Err("not an ISO 8601 duration"),
        ),
        (
            "dateTimeFromEpoch(1683040573)",
            ok(json!("2023-05-02T15:16:13Z")),
        ),
        (
            "dateTimeToEpoch('2023-05-02T15:16:13Z')",
            ok(json!(1683040573)),
        ),
        (
            "dateTimeToEpoch(dateTimeAdd('2023-05-02T15:16:13Z', 'P1Y'))",
            ok(json!(1714576573)),
        ),
        ("utcNow()", Err("defaultValue")),
    ]
}

fn cidr_rows() -> Vec<Row> {
    vec![
        (
            "parseCidr('10.144.0.0/20')",
            ok(
                json!({"network": "10.144.0.0", "netmask": "255.255.240.0", "broadcast": "10.144.15.255", "firstUsable": "10.144.0.1", "lastUsable": "10.144.15.254", "cidr": 20}),
            ),
        ),
        (
            "parseCidr('fdad:3236:5555::/48')",
            ok(
                json!({"network": "fdad:3236:5555::", "netmask": "ffff:ffff:ffff::", "firstUsable": "fdad:3236:5555::", "lastUsable": "fdad:3236:5555:ffff:ffff:ffff:ffff:ffff", "cidr": 48}),
            ),
        ),
        (
            "cidrSubnet('10.144.0.0/20', 24, 0)",
            ok(json!("10.144.0.0/24")),
        ),
        (
            "cidrSubnet('10.144.0.0/20', 24, 1)",
            ok(json!("10.144.1.0/24")),
        ),
        (
            "cidrSubnet('10.144.0.0/20', 24, 15)",
            ok(json!("10.144.15.0/24")),
        ),
        ("cidrSubnet('10.144.0.0/20', 24, 16)", Err("out of range")),
        (
            "cidrSubnet('fdad:3236:5555::/48', 52, 1)",
            ok(json!("fdad:3236:5555:1000::/52")),
        ),
        ("cidrHost('10.144.3.0/24', 0)", ok(json!("10.144.3.1"))),
        ("cidrHost('10.144.3.0/24', 253)", ok(json!("10.144.3.254"))),
        ("cidrHost('10.144.3.0/24', 254)", Err("out of range")),
        ("parseCidr('10.0.0.0/33')", Err("larger than 32")),
    ]
}

fn lambda_rows() -> Vec<Row> {
    vec![
        (
            "filter(createArray(1, 2, 3, 4), lambda('x', greater(lambdaVariables('x'), 2)))",
            ok(json!([3, 4])),
        ),
        (
            "map(createArray(1, 2, 3), lambda('x', mul(lambdaVariables('x'), 10)))",
            ok(json!([10, 20, 30])),
        ),
        (
            "map(createArray('a', 'b'), lambda('x', 'i', concat(lambdaVariables('x'), string(lambdaVariables('i')))))",
            ok(json!(["a0", "b1"])),
        ),
        (
            "reduce(createArray(1, 2, 3), 0, lambda('cur', 'next', add(lambdaVariables('cur'), lambdaVariables('next'))))",
            ok(json!(6)),
        ),
        (
            "sort(createArray(3, 1, 2), lambda('a', 'b', less(lambdaVariables('a'), lambdaVariables('b'))))",
            ok(json!([1, 2, 3])),
        ),
        (
            "toObject(createArray('a', 'b'), lambda('x', toUpper(lambdaVariables('x'))))",
            ok(json!({"A": "a", "B": "b"})),
        ),
        (
            "toObject(createArray('a'), lambda('x', lambdaVariables('x')), lambda('x', length(lambdaVariables('x'))))",
            ok(json!({"a": 1})),
        ),
        (
            "groupBy(createArray('foo', 'bar', 'baz'), lambda('x', substring(lambdaVariables('x'), 0, 1)))",
            ok(json!({"f": ["foo"], "b": ["bar", "baz"]})),
        ),
        (
            "mapValues(createObject('a', 1, 'b', 2), lambda('v', add(lambdaVariables('v'), 1)))",
            ok(json!({"a": 2, "b": 3})),
        ),
        (
            "map(createArray(createArray(1, 2)), lambda('o', map(lambdaVariables('o'), lambda('i', add(lambdaVariables('i'), length(lambdaVariables('o')))))))",
            ok(json!([[3, 4]])),
        ),
        ("lambdaVariables('x')", Err("no lambda variable")),
        ("map(createArray(1), 5)", Err("must be a lambda")),
        ("lambda('x', 1)", Err("only be passed to a lambda function")),
    ]
}

#[test]
fn string_functions() {
    check(&string_rows());
}

#[test]
fn array_functions() {
    check(&array_rows());
}

#[test]
fn object_functions() {
    check(&object_rows());
}

#[test]
fn comparison_functions() {
    check(&comparison_rows());
}

#[test]
fn logical_functions() {
    check(&logical_rows());
}

#[test]
fn numeric_functions() {
    check(&numeric_rows());
}

#[test]
fn scope_functions() {
    check(&scope_rows());
}

#[test]
fn deployment_functions() {
    check(&deployment_rows());
}

#[test]
fn resource_functions() {
    check(&resource_rows());
}

#[test]
fn date_functions() {
    check(&date_rows());
}

#[test]
fn cidr_functions() {
    check(&cidr_rows());
}

#[test]
fn lambda_functions() {
    check(&lambda_rows());
}

/// Every registered function is exercised by at least one row above (or, for `copyIndex`,
/// `utcNow` and `newGuid` in a valid position, by tests/template.rs).
#[test]
fn every_function_has_a_vector() {
    let all: Vec<Row> = [
        string_rows(),
        array_rows(),
        object_rows(),
        comparison_rows(),
        logical_rows(),
        numeric_rows(),
        scope_rows(),
        deployment_rows(),
        resource_rows(),
        date_rows(),
        cidr_rows(),
        lambda_rows(),
    ]
    .concat();
    let text: String = all
        .iter()
        .map(|(e, _)| e.to_lowercase())
        .collect::<Vec<_>>()
        .join(" ");
    for f in supported_functions() {
        if f.name == "list*" {
            assert!(text.contains("listkeys("));
            continue;
        }
        let needle = format!("{}(", f.name.to_lowercase());
        assert!(text.contains(&needle), "no vector calls {}", f.name);
    }
}

#[test]
fn errors_name_the_function_expression_and_path() {
    let t = template();
    let d = Deployment::new(&t, &ParameterValues::new(), context()).unwrap();
    match d.evaluate_expression("[concat('a', substring('abc', 5))]") {
        Err(e) if matches!(e.kind(), EvalErrorKind::Function { .. }) => {
            let EvalErrorKind::Function { function, .. } = e.kind() else {
                unreachable!()
            };
            let (expression, json_path) = (e.expression().unwrap(), e.json_path());
            assert_eq!(function, "substring");
            assert_eq!(expression, "substring('abc', 5)");
            assert_eq!(json_path, "<expression>");
        }
        other => panic!("{other:?}"),
    }
    match d.evaluate_expression("[nosuch(1)]") {
        Err(e) if matches!(e.kind(), EvalErrorKind::UnknownFunction { function } if function == "nosuch") =>
            {}
        other => panic!("{other:?}"),
    }
    match d.evaluate_expression("[add(1)]") {
        Err(e) if matches!(e.kind(), EvalErrorKind::ArgumentCount { .. }) => assert!(
            e.to_string()
                .contains("takes 2 argument(s) but was given 1")
        ),
        other => panic!("{other:?}"),
    }
    match d.evaluate_expression("[concat('a',]") {
        Err(e) if matches!(e.kind(), EvalErrorKind::Parse { .. }) => {
            assert!(matches!(e.kind(), EvalErrorKind::Parse { column: 13, .. }))
        }
        other => panic!("{other:?}"),
    }
    match d.evaluate_expression("[parameters('obj').missing]") {
        Err(e) if matches!(e.kind(), EvalErrorKind::Access { .. }) => {
            assert!(e.to_string().contains("no property 'missing'"))
        }
        other => panic!("{other:?}"),
    }
    match d.evaluate_expression("[parameters('arr')[3]]") {
        Err(e) if matches!(e.kind(), EvalErrorKind::Access { .. }) => {
            assert!(e.to_string().contains("index 3 is out of range"))
        }
        other => panic!("{other:?}"),
    }
}

/// GRAMMAR.md's function table lists every supported function.
#[test]
fn grammar_md_lists_every_function() {
    let grammar = include_str!("../GRAMMAR.md");
    for f in supported_functions() {
        let cell = format!("| `{}`", f.name);
        assert!(
            grammar.contains(&cell),
            "GRAMMAR.md does not list {}",
            f.name
        );
    }
}
